"""Events as a test puts them in the Calendar sandbox: a timed meeting with attendees."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def at(when: datetime) -> dict[str, str]:
    return {"dateTime": when.isoformat().replace("+00:00", "Z"), "timeZone": "UTC"}


def meeting(
    summary: str, start: datetime, minutes: int = 30, attendees: tuple[str, ...] = (), **more: Any
) -> dict[str, Any]:
    """An event's body as the API writes one: ``summary``, a start and end, its attendees."""
    return {
        "summary": summary,
        "start": at(start),
        "end": at(start + timedelta(minutes=minutes)),
        "attendees": [{"email": a, "responseStatus": "needsAction"} for a in attendees],
    } | more
