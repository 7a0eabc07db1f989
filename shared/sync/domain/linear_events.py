"""Linear's webhook deliveries, checked as Linear's SDK checks them (``@linear/sdk``'s webhook client).
``Linear-Signature`` is the hex HMAC-SHA256 of the raw body under the webhook's signing secret. The
body's ``webhookTimestamp`` (ms since the epoch) must be within 60 s of our clock. A delivery is named by
the digest of its signed body, which holds ``webhookId``, ``webhookTimestamp``, the entity and the change.
The ``Linear-Delivery`` header is not signed: a body replayed under a new one is the same delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import Any, NamedTuple

SIGNATURE_HEADER = "Linear-Signature"
DELIVERY_HEADER = "Linear-Delivery"
WINDOW_S = 60.0  # Linear's documented window, as its SDK applies it
_HEX = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
ACTIONS = ("create", "update", "remove")


class LinearEvent(NamedTuple):
    """One delivery's facts we act on (the rest of its body is not kept)."""

    delivery: str  # the digest of the signed body (hex, 40): what names its record
    action: str  # create | update | remove
    type: str  # Issue, Comment, ...
    entity_id: str
    team_id: str
    at_ms: int


def sign(secret: str, body: bytes) -> str:
    """The ``Linear-Signature`` of ``body`` under ``secret`` (hex HMAC-SHA256)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is ``body``'s under ``secret``, compared in constant time."""
    if not signature or not _HEX.fullmatch(signature.strip().lower()):
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())


def json_object(body: bytes) -> dict[str, Any] | None:
    """A delivery's body as a JSON object; None when it is not one (any tool's webhook)."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def delivery_of(body: bytes) -> str:
    """The name of the delivery whose signed body is ``body``: its SHA-256, 40 hex digits."""
    return hashlib.sha256(body).hexdigest()[:40]


def parse(body: bytes) -> LinearEvent | str:
    """The event of a (signed) body, named by :func:`delivery_of`, or why it is malformed (a person's
    sentence)."""
    data = json_object(body)
    if data is None:
        return "the body is not a JSON object"
    action, kind, ts = data.get("action"), data.get("type"), data.get("webhookTimestamp")
    entity: dict[str, Any] = data["data"] if isinstance(data.get("data"), dict) else {}
    entity_id, team_id = entity.get("id"), entity.get("teamId", "")
    problems = (
        (action not in ACTIONS, f"action: one of {list(ACTIONS)}"),
        (
            not isinstance(kind, str) or not kind.isalpha() or len(kind) > 40,
            "type: the entity's type, e.g. Issue",
        ),
        (isinstance(ts, bool) or not isinstance(ts, int), "webhookTimestamp: milliseconds since the epoch"),
        (not isinstance(entity_id, str) or not _ID.fullmatch(entity_id), "data.id: the entity's id"),
        (
            not isinstance(team_id, str) or bool(team_id and not _ID.fullmatch(team_id)),
            "data.teamId: the team's id",
        ),
    )
    for bad, reason in problems:
        if bad:
            return reason
    return LinearEvent(delivery_of(body), str(action), str(kind), str(entity_id), str(team_id), int(ts or 0))


def timestamp_problem(at_ms: int, now: datetime, window_s: float = WINDOW_S) -> str:
    """Why a delivery stamped ``at_ms`` is refused at ``now`` ("" when within the window)."""
    skew = now.timestamp() - at_ms / 1000
    if skew > window_s:
        return f"stale: signed {skew:.0f} s ago, beyond Linear's {window_s:.0f} s window"
    if skew < -window_s:
        return f"stamped {-skew:.0f} s in the future, beyond Linear's {window_s:.0f} s window"
    return ""
