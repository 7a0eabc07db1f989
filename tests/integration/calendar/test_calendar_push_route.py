"""``POST /calendar/push`` on the api, over the Firestore emulator and the Calendar sandbox: a channel's
notification with its token is read once and answered 200; without its token 401, with a forged one
403, headers that are no notification 400, all reading nothing; a deployment without calendars 404.
``GET /integrations`` shows each member's calendar, connected or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.calendar.services.connect import connect_calendar
from shared.calendar.services.intake import CalendarIntake
from shared.notion.services.erasure import erase_workspace
from shared.platform.config import Settings
from shared.workspace.adapters.firestore_erasure import FirestoreErasure
from shared.workspace.domain.members import Member
from tests.support.calendar.calendar_world import (
    EDITOR,
    OWNER,
    PUSH_URL,
    REFRESH,
    calendar_world,
    pushed,
)
from tests.support.calendar.calendar_world import connect as connect_ada
from tests.support.calendar.events import meeting
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_api import connect
from tests.support.workspace.firestore_tenants import NOW

__all__ = ["calendar_world"]


def _api(world: dict[str, Any]) -> Any:
    intake: CalendarIntake = world["intake"]
    fakes = FakeContainer(calendar_links=intake.links, calendar_api=intake.api)
    fakes.secrets = intake.secrets  # the person's refresh token, as connecting kept it
    return client("api", fakes)


def test_a_notification_is_read_once_and_refusals_read_nothing(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    connect_ada(world)
    api = _api(world)
    sandbox.put_event(OWNER, meeting("Pricing review", datetime.now(UTC) + timedelta(hours=2)))
    headers = pushed(world)[-1]
    reads = len(sandbox.calls)
    absent = api.post("/calendar/push", headers={k: v for k, v in headers.items() if "Token" not in k})
    forged = api.post("/calendar/push", headers=headers | {"X-Goog-Channel-Token": "forged"})
    bare = api.post("/calendar/push", headers={"X-Goog-Channel-Token": "x"})
    assert (absent.status_code, forged.status_code, bare.status_code) == (401, 403, 400)
    assert len(sandbox.calls) == reads
    answers = [api.post("/calendar/push", headers=headers) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert json_body(answers[0]) == {"result": "synced", "changed": 1, "full_sync": False}
    assert json_body(answers[1])["result"] == "duplicate"


def test_a_deployment_without_calendars_answers_404() -> None:
    answer = client("api", FakeContainer()).post(
        "/calendar/push", headers={"X-Goog-Channel-ID": "c", "X-Goog-Channel-Token": "t"}
    )
    assert answer.status_code == 404 and "docs/calendar.md" in answer.get_data(as_text=True)


def test_integrations_show_each_members_calendar_connected_or_not(calendar_world: dict[str, Any]) -> None:
    intake: CalendarIntake = calendar_world["intake"]
    settings = Settings(google_oauth_client_id="c.apps.googleusercontent.com", calendar_push_address=PUSH_URL)
    fakes = FakeContainer(settings, calendar_links=intake.links, calendar_api=intake.api)
    auth = connect(fakes)
    bo = Member(member_id="m-bo", notion_user_id="u-bo", email=EDITOR, role="editor", added_at=NOW)
    fakes.tenants.update("t1", lambda t: t.model_copy(update={"owner_email": OWNER, "members": (bo,)}))  # type: ignore[union-attr]  # saved by connect
    connect_calendar(OWNER, "t1", "u-ada", REFRESH, intake)
    listed = json_body(client("api", fakes).get("/integrations", headers=auth))
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    ada = tenant.team()[0].member_id
    shown = {c["member_id"]: c["connected"] for c in listed["calendars"]}
    assert shown == {ada: True, "m-bo": False}
    assert next(c for c in listed["calendars"] if c["connected"])["channel_expires_at"]
    plain = client("api", FakeContainer()).get("/integrations", headers=connect(FakeContainer()))
    assert "calendars" not in json_body(plain)  # a deployment without calendars lists none


def test_erasing_the_workspace_forgets_its_calendars_their_tokens_and_meetings(
    calendar_world: dict[str, Any],
) -> None:
    world, sandbox, db = calendar_world, calendar_world["sandbox"], calendar_world["db"]
    link = connect_ada(world)
    api = _api(world)
    sandbox.put_event(OWNER, meeting("Pricing review", datetime.now(UTC) + timedelta(hours=2)))
    headers = pushed(world)[-1]
    assert api.post("/calendar/push", headers=headers).status_code == 200
    assert list(db.collection("calendar_meetings").stream()) != []
    fakes = FakeContainer(calendar_links=world["intake"].links, calendar_api=world["intake"].api)
    fakes.secrets = world["intake"].secrets
    fakes.instance.built["erasures"] = FirestoreErasure(db)
    tenant_id = world["tenant"].tenant_id
    assert link.token_secret in fakes.secrets.values
    assert erase_workspace(tenant_id, "operator", fakes.erasing())["erased"] is True
    assert link.token_secret not in fakes.secrets.values  # Google's refresh token
    assert list(db.collection("calendar_links").stream()) == []
    assert list(db.collection("calendar_meetings").stream()) == []
    again = api.post("/calendar/push", headers=headers)
    assert json_body(again) == {"result": "unknown"}  # a push for its channel finds no link
