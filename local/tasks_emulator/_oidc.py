"""OIDC ID tokens for HTTP tasks, signed HS256 with a fixed, public, local-only key.

Real Cloud Tasks sends a Google-signed RS256 ID token. Locally there is no Google key, so the
token has the same claims (iss, aud, azp, sub, email, email_verified, iat, exp) and is signed
with ``LOCAL_SIGNING_KEY``; the local stack can check it with ``verify_id_token``. The key is in
this source file: a token minted here proves nothing outside this machine.
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

LOCAL_SIGNING_KEY = b"notion-agent-local-tasks-emulator-insecure-key"
ISSUER = "https://accounts.google.com"
LIFETIME_S = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _subject(email: str) -> str:
    """A stable numeric id for the account, like the ``sub`` of a Google service account."""
    return str(int.from_bytes(hashlib.sha256(email.encode()).digest()[:8]) % 10**21)


def mint_id_token(email: str, audience: str, now: float | None = None) -> str:
    """An ID token asserting ``email`` for ``audience``."""
    issued = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT", "kid": "local-tasks-emulator"}
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "azp": _subject(email),
        "sub": _subject(email),
        "email": email,
        "email_verified": True,
        "iat": issued,
        "exp": issued + LIFETIME_S,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(LOCAL_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify_id_token(token: str, audience: str | None = None, now: float | None = None) -> dict[str, Any]:
    """The claims of a token minted by ``mint_id_token``; ValueError if forged, expired or for others."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        signing_input = f"{header_b64}.{claims_b64}".encode()
        expected = hmac.new(LOCAL_SIGNING_KEY, signing_input, hashlib.sha256).digest()
        claims: dict[str, Any] = json.loads(_unb64(claims_b64))
        valid_signature = hmac.compare_digest(expected, _unb64(signature_b64))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"malformed ID token: {exc}") from None
    if not valid_signature:
        raise ValueError("ID token signature does not match the local key")
    if claims.get("iss") != ISSUER or int(claims.get("exp", 0)) < (time.time() if now is None else now):
        raise ValueError("ID token has the wrong issuer or has expired")
    if audience is not None and claims.get("aud") != audience:
        raise ValueError(f"ID token audience {claims.get('aud')!r} is not {audience!r}")
    return claims
