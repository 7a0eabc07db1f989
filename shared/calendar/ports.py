"""The calendar capability's ports: connected calendars, their stored upcoming events, and the Google
Calendar API as a calendar's owner consented."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from shared.calendar.domain.connections import CalendarLink, Meeting


class SyncGone(Exception):
    """Google no longer takes the stored sync token (its 410 Gone): a full sync is needed."""


class CalendarLinks(Protocol):
    """``calendar_links/{person hash}`` and the events kept of each."""

    def get(self, person: str) -> CalendarLink | None: ...

    def by_channel(self, channel_id: str) -> CalendarLink | None: ...

    def of_tenant(self, tenant_id: str) -> list[CalendarLink]:
        """The workspace's connected calendars (at most 200)."""
        ...

    def put(self, link: CalendarLink) -> None: ...

    def forget(self, person: str) -> None:
        """Delete the person's link and the meetings kept of their calendar (a disconnect)."""
        ...

    def expiring(self, before: datetime, limit: int) -> list[CalendarLink]:
        """The links whose channel expires before ``before``, soonest first."""
        ...

    def advance(self, person: str, channel_id: str, number: int, sync_token: str) -> bool:
        """In one transaction: when ``number`` is past the stored message number of ``channel_id``, both
        it and ``sync_token`` are stored (True); else nothing is (False: an older or repeated push)."""
        ...

    def keep(self, link: CalendarLink, meetings: list[Meeting], gone: list[str], *, replace: bool) -> None:
        """Store ``meetings`` of ``link``'s person, drop those with ids in ``gone``; with ``replace``, drop
        every other stored one of that person too (a full sync)."""
        ...

    def meetings_of(self, tenant_id: str, start: datetime, end: datetime) -> list[Meeting]:
        """The tenant's stored meetings starting in [``start``, ``end``), soonest first."""
        ...

    def starting(self, start: datetime, end: datetime, limit: int) -> list[Meeting]:
        """Every tenant's stored meetings starting in [``start``, ``end``)."""
        ...

    def ending(self, start: datetime, end: datetime, limit: int) -> list[Meeting]:
        """Every tenant's stored meetings ending in [``start``, ``end``)."""
        ...


class CalendarApi(Protocol):
    """The Calendar API on a person's primary calendar (``refresh``: their OAuth refresh token)."""

    def changes(self, refresh: str, sync_token: str) -> tuple[list[dict[str, Any]], str]:
        """``events.list`` from ``sync_token`` (every page): the events changed since (cancelled ones
        included) and the next sync token. SyncGone on Google's 410."""
        ...

    def full(self, refresh: str, since: datetime) -> tuple[list[dict[str, Any]], str]:
        """``events.list`` of events ending after ``since`` (every page), single events, and the sync
        token to go on from."""
        ...

    def watch(self, refresh: str, channel_id: str, token: str, address: str) -> tuple[str, datetime]:
        """``events.watch`` of the primary calendar onto ``address``: the resource id and expiration."""
        ...

    def stop(self, refresh: str, channel_id: str, resource_id: str) -> None:
        """``channels.stop``; a channel Google no longer knows is no error."""
        ...
