"""Parallel maps (issue 55): a step starts one child run per row, each a run with its own log and
bounded by the parent's reach; the parent waits durably (a scheduled retry, woken by each child's
end); the fan-in reports every child, a failed one included."""

from shared.domain.events import ErrorKind, ErrorRecorded, ToolResult
from shared.domain.runs import RunStatus
from shared.domain.settings import plain_notion_id
from shared.domain.tasks.plan import PlanTask
from shared.domain.tasks.step import StepTask
from shared.services.engine import run_step
from shared.services.planning import start_run
from shared.topology import Queue
from tests.support.engine_runs import queue
from tests.support.fanout_world import SOURCE, drive, world


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
