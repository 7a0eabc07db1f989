"""Parallel maps: a step starts one child run per row, each a run with its own log and
bounded by the parent's reach; the parent waits durably (a scheduled retry, woken by each child's
end); the fan-in reports every child, a failed one included."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.sweeper import sweep
from shared.platform.topology import Queue
from shared.runs.domain.events import ErrorKind, ErrorRecorded, ToolResult
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import plain_notion_id
from tests.support.engine.engine_fakes import raise_budget
from tests.support.engine.engine_runs import queue
from tests.support.engine.fanout_world import SOURCE, Clock, drive, in_flight, world


def test_a_map_starts_a_child_per_row_and_the_fan_in_reports_each() -> None:
    deps, _ = world(5, broken=1)
    drive(deps)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    events = deps.store.list_events("t1", "r1")
    gathered = next(e for e in events if isinstance(e, ToolResult) and e.tool == "fan_in")
    # five rows and the trigger page's own: six children, the broken row's failed
    assert (gathered.output["completed"], gathered.output["failed"]) == (5, 1)
    statuses = sorted(r["status"] for r in gathered.output["results"])
    assert statuses == ["completed"] * 5 + ["failed"]
    for result in gathered.output["results"]:  # each child a run with its own log
        child = deps.store.get_run("t1", result["run_id"])
        assert child is not None and child.state.parent_run_id == "r1" and child.state.chain == ("a",)
        assert child.state.bounds[0]["read"] == (plain_notion_id(SOURCE),)  # no more than the parent


def test_the_parent_waits_durably_and_a_child_s_end_wakes_it() -> None:
    deps, _ = world(2)
    queue(deps).tasks.clear()  # stepped by hand here
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)  # the map
    run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps)  # the fan-in: children not yet run
    waits = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert len(waits) == 1 and waits[0].error == ErrorKind.TRANSIENT and waits[0].retry_at is not None
    scheduled = [(n, d) for q, _, n, d in queue(deps).tasks if q == Queue.EXECUTE_STEP]
    assert [d for _, d in scheduled if d > 0] == [30.0]  # a task wakes it, not a sleeping process
    children = [b for q, b, _, _ in queue(deps).tasks if isinstance(b, PlanTask)]
    for child in children:
        start_run(child, deps)
        for _ in range(10):
            run = deps.store.get_run("t1", child.run_id)
            assert run is not None
            if run.state.status.terminal:
                break
            run_step(StepTask(tenant_id="t1", run_id=child.run_id, step=run.state.cursor), deps)
    woken = [b for q, b, _, _ in queue(deps).tasks if isinstance(b, StepTask) and b.woken]
    assert woken and all(b.run_id == "r1" for b in woken)
    run_step(woken[-1], deps)  # acts before its scheduled retry: every child has ended
    gathered = [
        e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "fan_in"
    ]
    assert len(gathered) == 1 and gathered[0].output["completed"] == 3
    early = StepTask(tenant_id="t1", run_id="r1", step=2, woken=True)
    assert not run_step(early, deps).acted  # a later wake finds the fan-in done: nothing twice


def test_a_repeated_map_step_starts_each_child_once() -> None:
    deps, _ = world(3)
    queue(deps).tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    names = [n for q, _, n, _ in queue(deps).tasks if q == Queue.PLAN]
    assert len(names) == len(set(names)) == 4  # three rows and the trigger page


def test_a_map_over_a_data_source_beyond_the_reach_is_refused() -> None:
    deps, _ = world(2, reach_read=[plain_notion_id("ds-hr")], reach_change=[plain_notion_id("ds-hr")])
    queue(deps).tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert [b for q, b, _, _ in queue(deps).tasks if q == Queue.PLAN] == []
    errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert errors and "beyond what this agent may read" in errors[0].message


def gathered(deps: Deps) -> list[ToolResult]:
    return [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == "fan_in"]


def test_a_fan_in_counts_ended_children_and_reads_them_once_all_have_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deps, _ = world(6)
    reads: list[str] = []
    real = deps.store.get_run

    def get_run(tenant_id: str, run_id: str) -> Any:
        reads.append(run_id)
        return real(tenant_id, run_id)

    monkeypatch.setattr(deps.store, "get_run", get_run)
    queue(deps).tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)  # the map
    for child in [b for q, b, _, _ in queue(deps).tasks if isinstance(b, PlanTask)][:3]:
        start_run(child, deps)  # three children made, none ended
    reads.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps)  # a look while they run
    assert reads == ["r1"]  # the parent's document; no child's: their ends are counted
    assert len(gathered(deps)) == 0
    read_ended = deps.store.ended_children
    markers: list[int] = []

    def ended_children(tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        markers.append(1)
        return read_ended(tenant_id, parent_run_id, map_step)

    monkeypatch.setattr(deps.store, "ended_children", ended_children)
    drive(deps)
    assert len(gathered(deps)) == 1 and gathered(deps)[0].output["completed"] == 7
    assert markers == [1]  # the ends read once, when all had ended


def test_a_lost_wake_is_made_good_by_the_fan_in_s_next_look() -> None:
    deps, _ = world(4, broken=1)
    drive(deps, drop=lambda q, body, name: ":woken:" in name)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    (event,) = gathered(deps)
    assert (event.output["completed"], event.output["failed"]) == (4, 1)


def test_a_parent_whose_wake_and_look_were_both_lost_is_found_by_the_sweeper() -> None:
    deps, _ = world(3)
    lost: list[str] = []

    def drop(q: Queue, body: Any, name: str) -> bool:
        if isinstance(body, StepTask) and body.run_id == "r1" and body.step == 2 and ":sweep" not in name:
            lost.append(name)  # every wake and scheduled look of the fan-in, until the sweeper's
            return True
        return False

    drive(deps, drop=drop)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.RUNNING and lost
    clock = deps.clock
    assert isinstance(clock, Clock)
    late = timedelta(seconds=deps.settings.sweep_stall_s + deps.settings.fan_in_wait_s + 1)
    clock.now = max(clock.now, datetime.now(UTC)) + late  # the fake store stamps writes by the wall clock
    assert sweep(deps) == 1
    drive(deps, drop=drop)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    assert gathered(deps)[0].output["completed"] == 4


def test_at_most_the_window_of_children_run_at_once_the_rest_start_as_they_end() -> None:
    deps, _ = world(11, broken=2, window=3)
    seen: list[int] = []
    drive(deps, after=lambda: seen.append(in_flight(deps)))
    assert max(seen) == 3  # the window, filled, never passed
    (event,) = gathered(deps)
    assert (event.output["completed"], event.output["failed"]) == (10, 2)
    assert len(event.output["results"]) == 12


def test_a_lost_start_of_a_child_is_made_again_by_the_fan_in_s_look() -> None:
    deps, _ = world(6, window=2)
    once: list[str] = []

    def drop(q: Queue, body: Any, name: str) -> bool:
        if isinstance(body, PlanTask) and body.run_id == "r1-m1-4" and not once:
            once.append(name)  # started by an end, then lost
            queue(deps).names.discard(name)  # as Cloud Tasks forgets a task's name in time
            return True
        return False

    seen: list[int] = []
    drive(deps, drop=drop, after=lambda: seen.append(in_flight(deps)))
    assert once and max(seen) == 2
    (event,) = gathered(deps)
    assert event.output["completed"] == 7


def test_a_map_sends_one_start_and_one_end_message_its_children_none() -> None:
    """A 2-row map wrote 6 Started/Done comments and a 3-item map sent 7 mails: each child
    noted its own start and end. Its parent's end message carries the children's news."""
    deps, _ = world(2)
    sent: list[Any] = []

    def seen(q: Queue, body: Any, _name: str) -> bool:
        if q == Queue.NOTIFY:  # page notes and notifications alike
            sent.append(body)
        return False

    drive(deps, drop=seen)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    about = sorted({getattr(b, "run_id", "") for b in sent})
    assert about == ["r1"], about


def test_the_children_s_cost_is_the_parent_s_and_none_is_held_to_a_share() -> None:
    """A map's children each run within their own run budget, not a share of the parent's: a share
    of a 12-row map on the default $1 falls below one model call's reservation ($0.10), which would
    stop every child (tests/integration/engine/test_bench_fanout_runs.py)."""
    deps, _ = world(3)
    raise_budget(deps, max_cost_per_run_usd=0.4)  # no agent's cap: the workspace's run budget
    drive(deps)
    parent = deps.store.get_run("t1", "r1")
    assert parent is not None and parent.state.status == RunStatus.COMPLETED
    events = deps.store.list_events("t1", "r1")
    gathered = next(e for e in events if isinstance(e, ToolResult) and e.tool == "fan_in")
    children = [deps.store.get_run("t1", r["run_id"]) for r in gathered.output["results"]]
    costs = [c.state.cost_usd for c in children if c is not None]
    assert len(costs) == 4 and sum(costs) > 0
    assert gathered.output["children_cost_usd"] == pytest.approx(sum(costs))
    assert parent.state.children_cost_usd == pytest.approx(sum(costs))  # the run's record: its family
    assert {c.state.run_budget_usd for c in children if c is not None} == {None}
