"""Routines one can see and try: each schedule says when it next starts a run, in
the workspace's time zone, and "Run now" starts a routine's run at once, once per request_id (a double
click starts one run); a paused agent's routines have no next run and cannot be run."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shared.agents.domain.agents import Agent, next_slot
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.workspace.domain.triggers import Schedule
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import Team, team

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # a Friday, 08:30 in Paris


def test_the_next_run_is_the_first_hour_of_the_schedule_after_now() -> None:
    daily = Schedule(every="daily", hour=9)
    assert next_slot(daily, NOW, PARIS) == datetime(2026, 11, 27, 9, tzinfo=PARIS)
    early = Schedule(every="daily", hour=8)  # this hour has begun: tomorrow's
    assert next_slot(early, NOW, PARIS) == datetime(2026, 11, 28, 8, tzinfo=PARIS)
    weekdays = Schedule(every="weekdays", hour=7)  # Saturday and Sunday skipped
    assert next_slot(weekdays, NOW, PARIS) == datetime(2026, 11, 30, 7, tzinfo=PARIS)
    weekly = Schedule(every="weekly", hour=9, days=["wed"])
    assert next_slot(weekly, NOW, PARIS) == datetime(2026, 12, 2, 9, tzinfo=PARIS)
    monthly = Schedule(every="monthly", hour=6, day_of_month=1)
    assert next_slot(monthly, NOW, PARIS) == datetime(2026, 12, 1, 6, tzinfo=PARIS)
    assert next_slot(daily, NOW, UTC) == datetime(2026, 11, 27, 9, tzinfo=UTC)


def with_routines(paused: bool = False) -> Team:
    t = team()
    now = datetime.now(UTC)
    schedules = (Schedule(every="daily", hour=9), Schedule(every="weekly", hour=17, days=["mon"]))
    agent = Agent(
        agent_id="digest", name="Digest", created_at=now, updated_at=now, schedules=schedules, paused=paused
    )
    assert t.container.fake_agents.create("t1", agent)
    return t


def bearer(t: Team, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t.sessions[role]}"}


def test_each_routine_says_when_it_next_runs() -> None:
    t = with_routines()
    answer = client("api", t.container).get("/agents/digest/routines", headers=bearer(t, "viewer"))
    assert answer.status_code == 200
    shown = json_body(answer)
    assert [r["index"] for r in shown["routines"]] == [0, 1]
    first = datetime.fromisoformat(shown["routines"][0]["next_run"])
    assert first.hour == 9 and first.minute == 0 and first > datetime.now(UTC)
    monday = datetime.fromisoformat(shown["routines"][1]["next_run"])
    assert monday.weekday() == 0 and monday.hour == 17


def test_run_now_starts_one_run_however_often_it_is_pressed() -> None:
    t = with_routines()
    api = client("api", t.container)
    body = {"routine": 1, "request_id": "click-1"}
    first = api.post("/agents/digest/run-now", json=body, headers=bearer(t, "editor"))
    again = api.post("/agents/digest/run-now", json=body, headers=bearer(t, "editor"))  # a double click
    assert first.status_code == again.status_code == 202
    assert json_body(first)["run_id"] == json_body(again)["run_id"]
    planned = [b for q, b, _, _ in t.container.queue.tasks if q == Queue.PLAN]
    assert len(planned) == 1
    task = planned[0]
    assert isinstance(task, PlanTask) and task.agent_id == "digest" and task.trigger.kind == "schedule"
    assert task.trigger.slot.startswith("run now by hand: every Mon at 17:00")
    other = api.post(
        "/agents/digest/run-now", json=body | {"request_id": "click-2"}, headers=bearer(t, "editor")
    )
    assert json_body(other)["run_id"] != json_body(first)["run_id"]  # another press, another run


def test_run_now_is_refused_for_a_viewer_a_paused_agent_and_a_routine_it_has_not() -> None:
    t = with_routines()
    api = client("api", t.container)
    body = {"routine": 0, "request_id": "r"}
    assert api.post("/agents/digest/run-now", json=body, headers=bearer(t, "viewer")).status_code == 403
    missing = api.post("/agents/digest/run-now", json=body | {"routine": 5}, headers=bearer(t, "owner"))
    assert missing.status_code == 400 and "no routine 6" in json_body(missing)["reason"]
    paused = with_routines(paused=True)
    refused = client("api", paused.container).post(
        "/agents/digest/run-now", json=body, headers=bearer(paused, "owner")
    )
    assert refused.status_code == 409 and "paused" in json_body(refused)["reason"]
    shown = json_body(
        client("api", paused.container).get("/agents/digest/routines", headers=bearer(paused, "owner"))
    )
    assert [r["next_run"] for r in shown["routines"]] == [None, None]
    assert not [b for q, b, _, _ in paused.container.queue.tasks if q == Queue.PLAN]
