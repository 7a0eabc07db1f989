"""An in-memory ``CalendarLinks`` (shared.calendar.ports) for the fake container: the reads the api's
routes make (links of a workspace, its kept meetings); no calendar unless a test keeps one."""

from __future__ import annotations

from datetime import datetime

from shared.calendar.domain.connections import CalendarLink, Meeting


class FakeCalendarLinks:
    def __init__(self) -> None:
        self.links: dict[str, CalendarLink] = {}
        self.meetings: dict[tuple[str, str], Meeting] = {}  # (person, event id)

    def put(self, link: CalendarLink) -> None:
        self.links[link.person] = link

    def of_tenant(self, tenant_id: str) -> list[CalendarLink]:
        return [link for link in self.links.values() if link.tenant_id == tenant_id]

    def keep(self, link: CalendarLink, meetings: list[Meeting], gone: list[str], *, replace: bool) -> None:
        if replace:
            self.meetings = {k: m for k, m in self.meetings.items() if k[0] != link.person}
        for event_id in gone:
            self.meetings.pop((link.person, event_id), None)
        self.meetings |= {(link.person, m.event_id): m for m in meetings}

    def meetings_of(self, tenant_id: str, start: datetime, end: datetime) -> list[Meeting]:
        found = [m for m in self.meetings.values() if m.tenant_id == tenant_id and start <= m.start < end]
        return sorted(found, key=lambda m: m.start)[:200]
