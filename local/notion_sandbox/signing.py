"""Notion's webhook signature: sha256=<hex HMAC-SHA256 of the raw body keyed by the verification token>."""

from __future__ import annotations

import hashlib
import hmac


def signature(verification_token: str, body: bytes) -> str:
    return "sha256=" + hmac.new(verification_token.encode(), body, hashlib.sha256).hexdigest()


def is_valid(verification_token: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(verification_token, body), header)
