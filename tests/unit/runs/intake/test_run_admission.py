"""A workspace's Notion events start at most a burst of runs at once, then one per interval: a run
whose turn has not come is planned by a task scheduled for its start, in the order the events came,
before anything is read or paid for; other workspaces and other triggers never wait; nothing is
dropped or planned twice."""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from shared.engine.planning.start import start_run
from shared.platform.topology import Queue
from shared.runs.domain.events import RunFinished, RunStatus
from shared.runs.domain.plan_task import READ_LAG, PlanTask, Trigger, next_start
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.runs.run_store import FakeRunStore

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def page_id(n: int) -> str:
    return f"1a2b3c4d-0000-4000-8000-{n:012d}"


Kind = Literal["webhook", "api", "schedule", "manual"]


def event(n: int, tenant: str = "t1", kind: Kind = "webhook", before: datetime | None = None) -> PlanTask:
    trigger = Trigger(
        kind=kind,
        event_id=f"ev-{n}" if kind == "webhook" else None,
        event_type="page.content_updated" if kind == "webhook" else None,
        page_id=page_id(n),
        changed_before=before,
    )
    return PlanTask(tenant_id=tenant, run_id=f"wh-{tenant}-{n}", goal="g", trigger=trigger)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def setup(**settings: float) -> tuple[Deps, FakeModel, FakeQueue, FakeRunStore, Clock]:
    model, clock, notion = FakeModel(), Clock(), FakeNotion()
    for n in range(40):
        notion.pages[page_id(n)] = {"id": page_id(n), "parent": {}, "properties": {}, "url": "https://n/p"}
        notion.children[page_id(n)] = []
    values: dict[str, Any] = {"webhook_run_burst": 3, "webhook_run_rate_per_min": 6.0} | settings
    deps = make_deps(model=model, notion=notion, **values)._replace(clock=clock)
    assert isinstance(deps.queue, FakeQueue) and isinstance(deps.store, FakeRunStore)
    return deps, model, deps.queue, deps.store, clock


def waiting(queue: FakeQueue) -> list[tuple[str, float, PlanTask]]:
    """The plan tasks scheduled for a run's turn: (name, delay, body)."""
    found = []
    for q, body, name, delay in queue.tasks:
        if q == Queue.PLAN and name.endswith(":admitted"):
            assert isinstance(body, PlanTask)
            found.append((name, delay, body))
    return found


def test_next_start_allows_a_burst_then_one_start_per_interval_in_order() -> None:
    interval = timedelta(seconds=10)
    due = None
    starts = []
    for _ in range(6):
        start, due = next_start(due, T0, interval, 3)
        starts.append(start)
    assert starts == [T0, T0, T0, T0 + interval, T0 + 2 * interval, T0 + 3 * interval]
    # A start asked later than its predecessors' is never earlier than theirs.
    late, due = next_start(due, T0 + 5 * SECOND, interval, 3)
    assert late == T0 + 4 * interval
    # Idle for an hour, the whole burst is there again, and then the interval.
    again = T0 + timedelta(hours=1)
    for _ in range(3):
        start, due = next_start(due, again, interval, 3)
        assert start == again
    assert next_start(due, again, interval, 3)[0] == again + interval


def test_a_burst_of_events_starts_the_burst_and_schedules_the_rest_in_order() -> None:
    deps, model, queue, store, _ = setup()
    results = [start_run(event(n), deps) for n in range(6)]
    assert results == [True, True, True, False, False, False]
    assert sorted(r for _, r in store.runs) == ["wh-t1-0", "wh-t1-1", "wh-t1-2"]
    planned = len(model.prompts)
    assert planned == 3  # the waiting ones read nothing and cost nothing
    later = waiting(queue)
    assert [(name, delay) for name, delay, _ in later] == [
        ("plan:t1:wh-t1-3:admitted", 10.0),
        ("plan:t1:wh-t1-4:admitted", 20.0),
        ("plan:t1:wh-t1-5:admitted", 30.0),
    ]
    assert all(body.admitted and body.model_copy(update={"admitted": False}) == event(n + 3)
               for n, (_, _, body) in enumerate(later))  # fmt: skip


def test_a_waiting_run_is_planned_when_its_task_comes_and_never_twice() -> None:
    deps, model, queue, store, clock = setup()
    for n in range(4):
        start_run(event(n), deps)
    [(name, delay, body)] = waiting(queue)
    # The same event delivered again before its turn: its start, the same scheduled task (refused by
    # the queue), and no start reserved for nothing: the next run's turn is the next interval.
    clock.now = T0 + 2 * SECOND
    assert start_run(event(3), deps) is False
    assert [n for n, _, _ in waiting(queue)] == [name]
    assert start_run(event(4), deps) is False
    assert [(n, d) for n, d, _ in waiting(queue)][1:] == [("plan:t1:wh-t1-4:admitted", 18.0)]
    clock.now = T0 + timedelta(seconds=delay)
    assert start_run(body, deps) is True  # admitted: planned at once, whatever the burst says
    assert ("t1", "wh-t1-3") in store.runs
    assert start_run(body, deps) is False  # a repeat of the scheduled task finds the run
    assert len(model.prompts) == 4


def test_another_workspace_and_other_triggers_never_wait() -> None:
    deps, _, queue, store, _ = setup()
    for n in range(5):
        start_run(event(n), deps)
    assert len(waiting(queue)) == 2
    assert start_run(event(10, tenant="t2"), deps) is True  # its own burst
    others: tuple[tuple[int, Kind], ...] = ((20, "api"), (21, "schedule"), (22, "manual"))
    for n, kind in others:
        assert start_run(event(n, kind=kind), deps) is True
    assert ("t2", "wh-t2-10") in store.runs and ("t1", "wh-t1-22") in store.runs
    assert len(waiting(queue)) == 2


def test_the_rate_applies_after_the_burst_and_a_rate_of_zero_turns_it_off() -> None:
    deps, _, queue, _, clock = setup()
    for n in range(3):
        assert start_run(event(n), deps) is True
    clock.now = T0 + 10 * SECOND  # one start has come due since the burst
    assert start_run(event(3), deps) is True
    assert start_run(event(4), deps) is False
    assert [d for _, d, _ in waiting(queue)] == [10.0]

    deps, _, queue, _, _ = setup(webhook_run_rate_per_min=0.0)
    assert all(start_run(event(n), deps) for n in range(20))
    assert waiting(queue) == []


def test_a_change_read_by_the_pages_ended_run_starts_no_other() -> None:
    """A change scheduled for later may come after the page's run that read it has ended."""
    deps, model, _, store, clock = setup(webhook_run_burst=1, webhook_run_rate_per_min=0.0)
    first = event(1, before=T0 - 2 * READ_LAG)
    assert start_run(first, deps) is True
    run = store.get_run("t1", first.run_id)
    assert run is not None
    done = RunFinished(seq=run.state.last_seq + 1, at=T0, status=RunStatus.COMPLETED, summary="done")
    store.append("t1", first.run_id, run.state, [done])
    store.release_page("t1", page_id(1).replace("-", ""), first.run_id)
    clock.now = T0 + timedelta(minutes=5)
    asked = len(model.prompts)
    # Changed before the first run claimed the page (minus the read lag): it read this change.
    seen = PlanTask(tenant_id="t1", run_id="wh-t1-1b", trigger=event(1, before=T0 - READ_LAG).trigger)
    assert start_run(seen, deps) is False
    # Changed after: a new run.
    unseen = PlanTask(tenant_id="t1", run_id="wh-t1-1c", trigger=event(1, before=T0).trigger)
    assert start_run(unseen, deps) is True
    assert len(model.prompts) == asked + 1


@pytest.mark.parametrize("burst", [1, 3, 10])
def test_starts_are_spaced_by_the_interval_whatever_the_burst(burst: int) -> None:
    deps, _, queue, _, _ = setup(webhook_run_burst=burst, webhook_run_rate_per_min=12.0)
    for n in range(burst + 4):
        start_run(event(n), deps)
    assert [d for _, d, _ in waiting(queue)] == [5.0, 10.0, 15.0, 20.0]
