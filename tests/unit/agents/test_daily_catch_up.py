"""Daily planning catches up ticks it missed: the plan function or Firestore down at the top of an
hour (beyond Cloud Scheduler's two retries) no longer costs those tenants their day's plan."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.agents.domain.schedule_task import CATCH_UP, ScheduleTask
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.platform.domain.schema import problems
from shared.runs.services.deps import Deps
from tests.support.agents.daily_planning import deps_with, plan_tasks, queued, tenant
from tests.support.platform.fake_container import FakeContainer, client, fakes, json_body
from tests.support.workspace.workspace_fakes import FakeTenantStore

__all__ = ["fakes"]

H = timedelta(hours=1)
NINE = datetime(2026, 1, 5, 9, tzinfo=UTC)


def store(deps: Deps) -> FakeTenantStore:
    assert isinstance(deps.tenants, FakeTenantStore)
    return deps.tenants


def at(deps: Deps, when: datetime) -> Deps:
    return deps._replace(clock=lambda: when)


def test_the_tick_after_a_missed_one_plans_the_tenants_due_at_the_missed_one() -> None:
    deps = deps_with(
        tenant("t-at-8", "UTC", 8), tenant("t-at-9", "UTC", 9), tenant("t-at-7", "UTC", 7), now=NINE
    )
    store(deps).tick = NINE - 2 * H  # 07:00 ran; 08:00 never reached plan
    fanout = plan_due_tenants(ScheduleTask(), deps)
    assert sorted(plan_tasks(deps)) == ["t-at-8", "t-at-9"]  # 7 was planned at its own tick
    assert plan_tasks(deps)["t-at-8"].day == date(2026, 1, 5)
    assert (fanout.since, fanout.enqueued) == (NINE - H, 2)
    assert store(deps).tick == NINE


def test_without_a_missed_tick_only_the_tenants_of_this_hour_are_planned() -> None:
    deps = deps_with(tenant("t-at-8", "UTC", 8), tenant("t-at-9", "UTC", 9), now=NINE)
    store(deps).tick = NINE - H
    assert plan_due_tenants(ScheduleTask(), deps).since == NINE
    assert list(plan_tasks(deps)) == ["t-at-9"]


def test_the_first_tick_ever_plans_its_own_hour_only() -> None:
    deps = deps_with(tenant("t-at-8", "UTC", 8), tenant("t-at-9", "UTC", 9), now=NINE)
    assert plan_due_tenants(ScheduleTask(), deps).since == NINE
    assert list(plan_tasks(deps)) == ["t-at-9"] and store(deps).tick == NINE


def test_catching_up_goes_back_six_hours_at_most() -> None:
    deps = deps_with(tenant("t-at-3", "UTC", 3), tenant("t-at-2", "UTC", 2), now=NINE)
    store(deps).tick = NINE - 12 * H  # down all night
    assert plan_due_tenants(ScheduleTask(), deps).since == NINE - CATCH_UP == NINE - 6 * H
    assert list(plan_tasks(deps)) == ["t-at-3"]  # 02:00 is seven hours back: that day goes unplanned


def test_a_retry_or_an_old_tick_delivered_late_replans_nothing_and_records_nothing_older() -> None:
    deps = deps_with(tenant("t-at-8", "UTC", 8), tenant("t-at-9", "UTC", 9), now=NINE)
    store(deps).tick = NINE - 2 * H
    assert plan_due_tenants(ScheduleTask(), deps).enqueued == 2
    assert plan_due_tenants(ScheduleTask(), at(deps, NINE + timedelta(minutes=10))).since == NINE  # a retry
    assert plan_due_tenants(ScheduleTask(tick=NINE - H), deps).since == NINE - H  # 08:00, very late
    assert store(deps).tick == NINE
    assert len(queued(deps).tasks) == 2  # the queue refused the repeated task names


def test_continuations_carry_the_catch_up_and_only_the_first_page_records_the_tick() -> None:
    tenants = [tenant(f"t{i}", "UTC", 8 if i % 2 else 9) for i in range(5)]
    deps = deps_with(*tenants, now=NINE, schedule_call_tenants=2)
    store(deps).tick = NINE - 2 * H
    first = plan_due_tenants(ScheduleTask(), deps)
    assert store(deps).tick == NINE
    store(deps).tick = NINE - 5 * H  # would widen a continuation's window if it looked again: it must not
    pages = [first]
    while more := [b for _, b, _, _ in queued(deps).tasks if isinstance(b, ScheduleTask)]:
        queued(deps).tasks = [t for t in queued(deps).tasks if not isinstance(t[1], ScheduleTask)]
        assert (more[0].tick, more[0].since) == (NINE, NINE - H)
        pages.append(plan_due_tenants(more[0], deps))
    assert [p.read for p in pages] == [2, 2, 1]
    assert sorted(plan_tasks(deps)) == ["t0", "t1", "t2", "t3", "t4"]
    assert store(deps).tick == NINE - 5 * H  # continuations recorded nothing


def test_a_catch_up_across_a_fall_back_hour_plans_the_day_once() -> None:
    # New York, 2026-11-01: 01:00 local happens twice (05:00 and 06:00 UTC); both ticks missed.
    deps = deps_with(tenant("t-ny", "America/New_York", 1), now=datetime(2026, 11, 1, 7, tzinfo=UTC))
    store(deps).tick = datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert plan_due_tenants(ScheduleTask(), deps).enqueued == 1
    assert plan_tasks(deps)["t-ny"].day == date(2026, 11, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"since": "2026-01-05T08:00:00Z"},  # no tick
        {"tick": "2026-01-05T09:00:00Z", "since": "2026-01-05T10:00:00Z"},  # after the tick
        {"tick": "2026-01-05T09:00:00Z", "since": "2026-01-05T02:00:00Z"},  # more than 6 hours back
    ],
)
def test_a_since_outside_the_catch_up_window_is_refused(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as caught:
        ScheduleTask.model_validate(body)
    assert problems(caught.value)[0][0] == "since"


def test_post_schedule_names_since_and_plans_nothing_when_it_is_refused(fakes: FakeContainer) -> None:
    fakes.tenants.save(tenant("t-at-8", "UTC", 8))
    app = client("plan", fakes)
    bad = app.post("/schedule", json={"tick": "2026-01-05T09:00:00Z", "since": "2026-01-05T01:00:00Z"})
    # a body that can never be valid: acknowledged and kept as a dead letter, never retried
    assert bad.status_code == 200 and "dead_letter" in json_body(bad) and "since" in json_body(bad)["reason"]
    assert not fakes.queue.tasks and fakes.tenants.tick is None
    good = app.post("/schedule", json={"tick": "2026-01-05T09:00:00Z", "since": "2026-01-05T08:00:00Z"})
    assert good.status_code == 200 and json_body(good)["enqueued"] == 1
