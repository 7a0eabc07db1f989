"""A sync conflict settled, as an outbound event (shared.outbound): which field of which page and
item, which side won and when each was edited, never the values. Its id is the conflict's (the item,
the field and both edit times), so a mirror task run again emits the same event, taken once."""

from __future__ import annotations

import hashlib

from shared.outbound.domain.events import FIELDS, EventType, OutEvent, event
from shared.sync.domain.connection import LogEntry


def conflict_event(tool: str, entry: LogEntry) -> OutEvent:
    """The event of ``entry`` (a conflict of ``tool``'s sync): its type's declared fields only."""
    said = (
        f"{tool}\n{entry.issue_id}\n{entry.field}\n{entry.notion_at.isoformat()}\n{entry.tool_at.isoformat()}"
    )
    ident = f"conflict.{hashlib.sha256(said.encode()).hexdigest()[:24]}"
    kept = {name: getattr(entry, name) for name in FIELDS[EventType.SYNC_CONFLICT] if name != "tool"}
    return event(EventType.SYNC_CONFLICT, ident, entry.at, tool=tool, **kept)
