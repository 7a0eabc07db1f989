"""Signed, expiring tokens (sessions, OAuth state, approval links): base64url(JSON).base64url(HMAC).

Pure code: the key is passed in by the caller, who reads it from the secret store.
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from shared.errors import Unauthenticated


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], key: str, ttl_s: float, now: float | None = None) -> str:
    """A token carrying ``claims`` plus ``exp``; ``purpose`` in the claims keeps kinds apart."""
    body = _b64(json.dumps(claims | {"exp": int((now or time.time()) + ttl_s)}, sort_keys=True).encode())
    mac = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token: str, key: str, purpose: str, now: float | None = None) -> dict[str, Any]:
    """The claims of a genuine, unexpired token of ``purpose``; Unauthenticated otherwise."""
    if not token.isascii():  # every token we sign is ASCII (base64url); compare_digest takes no other str
        raise Unauthenticated("the token is not genuine")
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise Unauthenticated("the token is not genuine")
    try:
        claims: dict[str, Any] = json.loads(_unb64(body))
    except ValueError as exc:
        raise Unauthenticated("the token is malformed") from exc
    if claims.get("purpose") != purpose:
        raise Unauthenticated("the token is not for this use")
    if float(claims.get("exp", 0)) < (now or time.time()):
        raise Unauthenticated("the token has expired")
    return claims
