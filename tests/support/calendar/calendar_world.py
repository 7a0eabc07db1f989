"""Ada's calendar connected for her workspace, as a fixture: the intake over the Firestore emulator
and the Calendar sandbox, and the headers of the notifications the sandbox sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from local.calendar_sandbox.app import CLIENT_ID, CLIENT_SECRET, serve
from shared.calendar.adapters.calendar_api import GoogleCalendar
from shared.calendar.adapters.firestore_links import FirestoreCalendarLinks
from shared.calendar.services.connect import connect_calendar
from shared.calendar.services.intake import CalendarIntake
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.members import Member
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.firestore_tenants import NOW, tenant

OWNER, EDITOR = "ada@acme.example", "bo@acme.example"
REFRESH = "1//sandbox-refresh-ada-calendar"
PUSH_URL = "https://api.acme.example/calendar/push"


def _team(db: Any) -> tuple[FirestoreTenantStore, Any]:
    """Ada's workspace (Ada the owner, Bo an editor), saved."""
    store = FirestoreTenantStore(db)
    bo = Member(member_id="m-bo", notion_user_id="u-bo", email=EDITOR, role="editor", added_at=NOW)
    workspace = tenant("ws-cal", owner_user_id="u-ada", owner_email=OWNER, members=[bo])
    store.save(workspace)
    return store, workspace


@contextmanager
def opened_calendar_world(firestore_db: Any) -> Iterator[dict[str, Any]]:
    """The workspace saved and Ada's calendar linked, the Calendar sandbox served until the block ends."""
    tenants, one = _team(firestore_db)
    sandbox, server = serve()
    sandbox.connect(OWNER, REFRESH)
    base, token_url = server.url + "/calendar/v3/", server.url + "/token"
    links = FirestoreCalendarLinks(firestore_db)
    api = GoogleCalendar(base, token_url, CLIENT_ID, CLIENT_SECRET, 30)
    intake = CalendarIntake(links=links, api=api, secrets=FakeSecrets({}), push_url=PUSH_URL)
    try:
        yield {"intake": intake, "sandbox": sandbox, "tenant": one, "tenants": tenants, "db": firestore_db}
    finally:
        server.stop()


@pytest.fixture
def calendar_world(firestore_db: Any) -> Iterator[dict[str, Any]]:
    """Ada's calendar connected for her workspace, for one test."""
    with opened_calendar_world(firestore_db) as opened:
        yield opened


def connect(world: dict[str, Any]) -> Any:
    """Ada connects her calendar (the sandbox then sends the channel's ``sync`` notification)."""
    return connect_calendar(OWNER, world["tenant"].tenant_id, "u-ada", REFRESH, world["intake"])


def pushed(world: dict[str, Any]) -> list[dict[str, str]]:
    """The headers of every notification the sandbox sent, in order."""
    return [headers for _, headers in world["sandbox"].pushes]
