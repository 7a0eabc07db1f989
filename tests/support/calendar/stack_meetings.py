"""A person's upcoming meetings kept in a local stack's Firestore emulator, as the calendar's intake
keeps them after a sync (the web suite's stack connects no Google Calendar): what the builder's
meeting rules are tried on."""

import os
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from shared.calendar.domain.connections import CalendarLink, Meeting


def keep_meetings(
    firestore_port: int, project: str, tenant_id: str, person: str, meetings: list[Meeting]
) -> None:
    """``person``'s calendar linked to ``tenant_id`` (no channel: nothing is watched) and ``meetings``
    kept, through the product's own adapter on the stack's emulator."""
    from google.cloud import firestore

    from shared.calendar.adapters.firestore_links import FirestoreCalendarLinks

    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{firestore_port}"}):
        links: Any = FirestoreCalendarLinks(firestore.Client(project=project))
        link = CalendarLink(
            person=person, tenant_id=tenant_id, token_secret="none", connected_at=datetime.now(UTC)
        )
        links.put(link)
        links.keep(link, meetings, [], replace=True)


def meeting_at(tenant_id: str, person: str, event_id: str, title: str, start: datetime) -> Meeting:
    """A half-hour meeting from ``start`` in ``person``'s calendar, with Google Calendar's link to it."""
    return Meeting(
        tenant_id=tenant_id,
        person=person,
        event_id=event_id,
        summary=title,
        start=start,
        end=start + timedelta(minutes=30),
        link=f"https://www.google.com/calendar/event?eid={event_id}",
    )


def meeting_in(tenant_id: str, person: str, event_id: str, title: str, hours: int) -> Meeting:
    """A half-hour meeting ``hours`` from now, on the hour."""
    start = (datetime.now(UTC) + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    return meeting_at(tenant_id, person, event_id, title, start)
