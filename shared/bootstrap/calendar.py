"""The calendar's part of the composition root (people's calendars: shared.calendar): where links and
meetings are kept, and the Calendar API as the deployment's Google OAuth client reaches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built
from shared.platform.errors import NotFound

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.calendar.ports import CalendarApi, CalendarLinks


def _api(part: Calendar) -> CalendarApi:
    from shared.calendar.adapters.calendar_api import GoogleCalendar
    from shared.platform.config import PlatformSecret

    s = part.instance.settings
    if not (s.google_oauth_client_id and s.calendar_push_address):
        raise NotFound("this deployment connects no calendars (docs/calendar.md)")
    secret = part.platform.secrets.get(PlatformSecret.GOOGLE_OAUTH_CLIENT_SECRET)
    return GoogleCalendar(
        s.google_calendar_api_url,
        s.google_token_url,
        s.google_oauth_client_id,
        secret,
        int(s.gmail_timeout_s),
    )


class Calendar:
    """The calendar's ports: ``calendar_links`` and ``calendar_meetings`` in Firestore, the Calendar
    API through google-api-python-client."""

    calendar_links: Built[CalendarLinks] = Built.firestore(
        "shared.calendar.adapters.firestore_links", "FirestoreCalendarLinks"
    )
    calendar_api: Built[CalendarApi] = Built(
        "shared.calendar.adapters.calendar_api", ("googleapiclient.discovery",), _api
    )

    def __init__(self, instance: Instance, platform: Platform) -> None:
        self.instance, self.platform = instance, platform
