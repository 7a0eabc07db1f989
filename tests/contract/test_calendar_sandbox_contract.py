"""The Calendar sandbox through the official client (google-api-python-client with google-auth's
refresh), its answers checked against the schemas of the calendar v3 discovery document that client
ships: a full sync and incremental syncs by sync token (410 when it is gone), events.watch with its
sync notification and one per change (Google's headers), channels.stop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from local.calendar_sandbox.app import CLIENT_ID, CLIENT_SECRET, CalendarSandbox, serve
from shared.calendar.adapters.calendar_api import GoogleCalendar
from shared.calendar.ports import SyncGone
from shared.platform.errors import Unauthenticated
from tests.support.calendar.discovery import documented
from tests.support.calendar.events import meeting

ADA, REFRESH = "ada@acme.example", "1//sandbox-refresh-ada-calendar"
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
HOOK = "https://api.acme.example/calendar/push"


@pytest.fixture
def calendar() -> Iterator[tuple[CalendarSandbox, GoogleCalendar, str]]:
    sandbox, server = serve()
    sandbox.connect(ADA, REFRESH)
    api = GoogleCalendar(server.url + "/calendar/v3/", server.url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    try:
        yield sandbox, api, server.url
    finally:
        server.stop()


def test_a_full_sync_then_incremental_ones_by_sync_token(calendar: Any) -> None:
    sandbox, api, _ = calendar
    first = sandbox.put_event(ADA, meeting("Pricing review", SOON, attendees=("bo@acme.example",)))
    sandbox.put_event(ADA, meeting("Roadmap", SOON + timedelta(hours=1)))
    events = api._service(REFRESH).events()
    page = events.list(calendarId="primary", singleEvents=True, maxResults=1).execute()
    documented(page, "Events")
    documented(page["items"][0], "Event")
    assert "nextSyncToken" not in page and page["items"][0]["id"] == first["id"]  # on the last page only
    found, token = api.full(REFRESH, datetime.now(UTC))
    assert [e["summary"] for e in found] == ["Pricing review", "Roadmap"] and token
    assert api.changes(REFRESH, token) == ([], token)
    moved = sandbox.put_event(ADA, {"id": first["id"], "summary": "Pricing review (moved)"})
    sandbox.cancel_event(ADA, found[1]["id"])
    changed, after = api.changes(REFRESH, token)
    documented(changed, {"type": "array", "items": {"$ref": "Event"}})
    assert [(e["id"], e["status"]) for e in changed] == [
        (moved["id"], "confirmed"),
        (found[1]["id"], "cancelled"),
    ]
    assert after != token and api.changes(REFRESH, after) == ([], after)


def test_a_sync_token_no_longer_valid_is_410_and_filters_are_refused_with_one(calendar: Any) -> None:
    sandbox, api, _ = calendar
    _, token = api.full(REFRESH, datetime.now(UTC))
    events = api._service(REFRESH).events()
    with pytest.raises(HttpError) as mixed:
        events.list(calendarId="primary", syncToken=token, timeMin="2026-01-01T00:00:00Z").execute()
    assert mixed.value.resp.status == 400
    sandbox.expire_sync_tokens(ADA)
    with pytest.raises(HttpError) as gone:
        events.list(calendarId="primary", syncToken=token).execute()
    assert gone.value.resp.status == 410 and b"fullSyncRequired" in gone.value.content
    with pytest.raises(SyncGone):
        api.changes(REFRESH, token)


def test_watch_sends_a_sync_notification_then_one_per_change_until_stopped(calendar: Any) -> None:
    sandbox, api, _ = calendar
    body = {"id": "ch-1", "type": "web_hook", "address": HOOK, "token": "t0ken"}
    channel = api._service(REFRESH).events().watch(calendarId="primary", body=body).execute()
    documented(channel, "Channel")
    assert channel["id"] == "ch-1" and int(channel["expiration"]) > datetime.now(UTC).timestamp() * 1000
    sandbox.put_event(ADA, meeting("Standup", SOON))
    sandbox.put_event(ADA, meeting("Retro", SOON))
    assert [address for address, _ in sandbox.pushes] == [HOOK] * 3
    states = [(h["X-Goog-Resource-State"], h["X-Goog-Message-Number"]) for _, h in sandbox.pushes]
    assert states == [("sync", "1"), ("exists", "2"), ("exists", "3")]
    assert {h["X-Goog-Channel-Token"] for _, h in sandbox.pushes} == {"t0ken"}
    assert {h["X-Goog-Resource-ID"] for _, h in sandbox.pushes} == {channel["resourceId"]}
    resource, expires = api.watch(REFRESH, "ch-2", "other", HOOK)
    assert resource == channel["resourceId"] and expires > datetime.now(UTC)
    with pytest.raises(HttpError) as twice:  # a channel id is unique
        api._service(REFRESH).events().watch(calendarId="primary", body=body).execute()
    assert twice.value.resp.status == 400
    api._service(REFRESH).channels().stop(body={"id": "ch-1", "resourceId": resource}).execute()
    api.stop(REFRESH, "ch-1", resource)  # stopped already: Google's 404, no error
    sandbox.put_event(ADA, meeting("Planning", SOON))
    assert [h["X-Goog-Channel-ID"] for _, h in sandbox.pushes[3:]] == ["ch-2", "ch-2"]


def test_watch_refuses_what_google_refuses(calendar: Any) -> None:
    _, api, _ = calendar
    events = api._service(REFRESH).events()
    for body in (
        {"id": "x" * 65, "type": "web_hook", "address": HOOK},
        {"id": "ok", "type": "email", "address": HOOK},
        {"id": "ok", "type": "web_hook", "address": "http://api.acme.example/calendar/push"},
        {"id": "ok", "type": "web_hook", "address": HOOK, "token": "t" * 257},
    ):
        with pytest.raises(HttpError) as refused:
            events.watch(calendarId="primary", body=body).execute()
        assert refused.value.resp.status == 400, body


def test_the_consent_is_exchanged_and_a_revoked_one_refused(calendar: Any) -> None:
    sandbox, api, url = calendar
    with pytest.raises(Unauthenticated, match="invalid_grant"):
        GoogleCalendar(url + "/calendar/v3/", url + "/token", CLIENT_ID, CLIENT_SECRET, 30).full(
            "1//nope", datetime.now(UTC)
        )
    with pytest.raises(HttpError) as other:
        api._service(REFRESH).events().list(calendarId="bo@acme.example").execute()
    assert other.value.resp.status == 403
    sandbox.accounts.forget_all()
    with pytest.raises(Unauthenticated):
        api.full(REFRESH, datetime.now(UTC))
