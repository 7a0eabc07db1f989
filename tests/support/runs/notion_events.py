"""Notion's webhook deliveries as the intake receives them: an event's body and its
``X-Notion-Signature`` (HMAC-SHA256 of the body with the verification token)."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any


def signed_event(
    token: str, event_id: str, kind: str, at: datetime, entity: dict[str, str], data: dict[str, Any]
) -> tuple[bytes, str]:
    """The body of event ``event_id`` of type ``kind`` at ``at`` on ``entity`` (by person-1 of
    workspace ws1), and its signature with ``token``."""
    event = {
        "id": event_id,
        "type": kind,
        "timestamp": at.isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": entity,
        "data": data,
    }
    body = json.dumps(event).encode()
    return body, "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
