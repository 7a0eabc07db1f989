"""Signed, expiring tokens (sessions, OAuth state, approval links): base64url(JSON).base64url(HMAC).

Pure code: the key material is passed in by the caller, who reads it from the secret store. It is a
plain key (version "0"), or a key ring (:func:`ring`) that signs with its current version and
verifies with every version it holds (previous, current, next); tokens name their version (``kid``).
Rotation is staged through the ring so that no instance, whatever its cache, meets a version it
lacks (docs/deploy.md, "Rotating the signing key").
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from shared.platform.errors import Unauthenticated

LEGACY_KID = "0"  # a plain key's version, and that of a token without ``kid``


def ring(material: str) -> tuple[str, dict[str, str]]:
    """(current version, {version: key}) of ``material``: JSON ``{"current": "2", "keys": {...}}``,
    else a plain key, version "0"."""
    if material.startswith("{"):
        try:
            parsed = json.loads(material)
        except ValueError:
            parsed = None
        keys = parsed.get("keys") if isinstance(parsed, dict) else None
        current = parsed.get("current") if isinstance(parsed, dict) else None
        if (
            isinstance(keys, dict)
            and current in keys
            and all(isinstance(k, str) and k for k in keys.values())
        ):
            return str(current), {str(kid): str(key) for kid, key in keys.items()}
    return LEGACY_KID, {LEGACY_KID: material}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], key: str, ttl_s: float, now: float | None = None) -> str:
    """A token carrying ``claims`` plus ``exp`` and, from a key ring, ``kid`` (the signing version);
    ``purpose`` in the claims keeps kinds apart."""
    kid, keys = ring(key)
    stamped = (
        claims | {"exp": int((now or time.time()) + ttl_s)} | ({"kid": kid} if kid != LEGACY_KID else {})
    )
    body = _b64(json.dumps(stamped, sort_keys=True).encode())
    mac = hmac.new(keys[kid].encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token: str, key: str, purpose: str, now: float | None = None) -> dict[str, Any]:
    """The claims of a genuine, unexpired token of ``purpose``, signed by a version ``key`` holds;
    Unauthenticated otherwise. The MAC is checked first, against every version the ring holds (at
    most three), over the body as sent: nothing of a token is decoded or parsed before its MAC is
    known to be ours. A genuine token names the version that signed it (``kid``)."""
    if not token.isascii():  # every token we sign is ASCII (base64url); compare_digest takes no other str
        raise Unauthenticated("the token is not genuine")
    body, _, mac = token.partition(".")
    signers = {
        kid
        for kid, secret in ring(key)[1].items()
        if mac
        and hmac.compare_digest(mac, _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()))
    }
    if not signers:
        raise Unauthenticated("the token is not genuine")
    try:
        claims: Any = json.loads(_unb64(body))
    except (ValueError, RecursionError):
        claims = None
    if not isinstance(claims, dict) or str(claims.get("kid", LEGACY_KID)) not in signers:
        raise Unauthenticated("the token is malformed")
    if claims.get("purpose") != purpose:
        raise Unauthenticated("the token is not for this use")
    if float(claims.get("exp", 0)) < (now or time.time()):
        raise Unauthenticated("the token has expired")
    return claims
