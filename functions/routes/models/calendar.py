"""The answers of the calendar's routes (functions.routes.calendar_api): Google Calendar's pushes."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class CalendarPushAnswer(Schema):
    """What became of a notification."""

    result: Literal["synced", "sync", "duplicate", "unknown"]
    changed: int = Field(0, description="synced: the events read since the last sync")
    full_sync: bool = Field(False, description="synced: Google no longer took the sync token; all read again")
