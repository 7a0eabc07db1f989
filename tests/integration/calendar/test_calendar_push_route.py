"""``POST /calendar/push`` on the api, over the Firestore emulator and the Calendar sandbox: a channel's
notification with its token is read once and answered 200; without its token 401, with a forged one
403, headers that are no notification 400, all reading nothing; a deployment without calendars 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.calendar.services.intake import CalendarIntake
from tests.support.calendar.calendar_world import OWNER, calendar_world, connect, pushed
from tests.support.calendar.events import meeting
from tests.support.platform.fake_container import FakeContainer, client, json_body

__all__ = ["calendar_world"]


def _api(world: dict[str, Any]) -> Any:
    intake: CalendarIntake = world["intake"]
    fakes = FakeContainer(calendar_links=intake.links, calendar_api=intake.api)
    fakes.secrets = intake.secrets  # the person's refresh token, as connecting kept it
    return client("api", fakes)


def test_a_notification_is_read_once_and_refusals_read_nothing(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    connect(world)
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
