"""A task body that can never become valid: what is kept of it (never the body, only its hash)."""

import hashlib
import json
import re
from datetime import datetime, timedelta

from pydantic import ConfigDict

from shared.platform.domain.schema import Record

RETENTION = timedelta(days=30)  # then Firestore's TTL removes it (terraform/firestore.tf)
_TENANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class DeadLetter(Record):
    """``letter_id`` is the queue and the body's hash: a redelivery of the same body is the same letter."""

    model_config = ConfigDict(extra="ignore")

    letter_id: str
    queue: str
    tenant_id: str  # "" when the body names none that looks like one
    reason: str
    body_sha256: str
    received_at: datetime
    expires_at: datetime


def dead_letter(queue: str, body: bytes, reason: str, now: datetime) -> DeadLetter:
    """The record of ``body``, refused on ``queue`` for ``reason`` (field names only, no values)."""
    digest = hashlib.sha256(body).hexdigest()
    return DeadLetter(
        letter_id=f"{queue}-{digest[:40]}",
        queue=queue,
        tenant_id=_tenant_of(body),
        reason=reason[:500],
        body_sha256=digest,
        received_at=now,
        expires_at=now + RETENTION,
    )


def _tenant_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    tenant = data.get("tenant_id") if isinstance(data, dict) else None
    return tenant if isinstance(tenant, str) and _TENANT_ID.match(tenant) else ""
