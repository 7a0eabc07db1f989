"""The events a workspace may receive at its webhook endpoints, each type with the fields it declares.
An event carries those fields and nothing else: ids, states, an agent, times, never page content,
a prompt or a secret. :func:`event` refuses anything beyond them, and each value is a short scalar.
The body sent follows Standard Webhooks' shape ``{"type", "timestamp", "data"}`` (decision 0180)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

MAX_VALUE_CHARS = 200  # an id, a state or a time: longer text is no field of an event


class EventType(StrEnum):
    RUN_STARTED = "run.started"
    RUN_WAITING = "run.waiting_for_approval"
    RUN_FINISHED = "run.finished"
    RUN_FAILED = "run.failed"
    SESSION_MESSAGE = "session.message"
    SYNC_CONFLICT = "sync.conflict"


_RUN = ("run_id", "agent_id", "status", "trigger", "started_at")
FIELDS: dict[EventType, tuple[str, ...]] = {
    EventType.RUN_STARTED: _RUN,
    EventType.RUN_WAITING: (*_RUN, "request_id", "purpose"),
    EventType.RUN_FINISHED: (*_RUN, "ended_at"),
    EventType.RUN_FAILED: (*_RUN, "ended_at"),
    EventType.SESSION_MESSAGE: (
        "session_id",
        "agent_id",
        "member_id",
        "place",
        "act",
        "state",
        "run_id",
        "at",
    ),
    EventType.SYNC_CONFLICT: ("tool", "page_id", "issue_id", "field", "winner", "notion_at", "tool_at", "at"),
}
"""Each type's declared fields: what its ``data`` holds, exactly."""

type Value = str | int | bool | None


class OutEvent(NamedTuple):
    """One event: its type, its id (the same for every repeat of what caused it), when it happened
    and its declared fields."""

    type: EventType
    event_id: str
    at: datetime
    data: dict[str, Value]


def event(kind: EventType, event_id: str, at: datetime, /, **data: object) -> OutEvent:
    """The event of ``kind`` with ``data``: a ValueError when its fields are not exactly the type's
    declared ones or a value is not a short scalar (a datetime is written as ISO 8601)."""
    declared = FIELDS[kind]
    if set(data) != set(declared):
        raise ValueError(f"{kind}: fields {sorted(data)} are not its declared {sorted(declared)}")
    kept: dict[str, Value] = {}
    for name in declared:
        value = data[name]
        if isinstance(value, datetime):
            value = value.isoformat()
        if not (value is None or isinstance(value, str | int | bool)):
            raise ValueError(f"{kind}: {name} must be a short scalar, not {type(value).__name__}")
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise ValueError(f"{kind}: {name} is over {MAX_VALUE_CHARS} characters")
        kept[name] = value
    return OutEvent(kind, event_id, at, kept)


def body_of(out: OutEvent) -> str:
    """The JSON body delivered: ``{"type", "timestamp", "data"}``, its keys sorted."""
    return json.dumps(
        {"type": out.type.value, "timestamp": out.at.isoformat(), "data": out.data},
        sort_keys=True,
        separators=(",", ":"),
    )
