"""The walking-skeleton engine over fakes: the reducer, idempotent plan and steps, the timeline."""

from datetime import UTC, datetime

import pytest

from shared.config import Queue
from shared.domain.runs import PlannedStep, RunPlanned, RunStatus, ToolResult, fold
from shared.domain.tasks import NotifyTask, PlanTask, StepTask, Trigger
from shared.errors import InvalidInput, NotFound
from shared.services.runs import run_step, start_run, timeline
from tests.fakes import FakeQueue, FakeRunStore

PLAN = PlanTask(tenant_id="t1", run_id="r1", goal="Say hello", trigger=Trigger(kind="manual"))


def drive(store: FakeRunStore, queue: FakeQueue) -> None:
    while queue.tasks:
        q, body, _, _ = queue.take()
        if q == Queue.EXECUTE_STEP:
            assert isinstance(body, StepTask)
            run_step(body, store, queue)


def test_a_run_goes_from_plan_through_two_steps_to_a_notification() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    assert start_run(PLAN, store, queue)
    drive(store, queue)
    run = store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.COMPLETED
    kinds = [e.kind for e in store.list_events("t1", "r1")]
    assert kinds == ["run_planned", "tool_result", "tool_result", "run_finished"]
    assert fold(store.list_events("t1", "r1")) == run.state
    assert sorted(n for n in queue.names if n.startswith("notify:")) == ["notify:t1:r1-completed"]


def test_a_repeated_plan_task_creates_nothing_new() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    assert start_run(PLAN, store, queue)
    assert not start_run(PLAN, store, queue)
    assert len(store.list_events("t1", "r1")) == 1
    assert [t[2] for t in queue.tasks] == ["step:t1:r1:1"]


def test_a_duplicate_step_delivery_acts_once() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    start_run(PLAN, store, queue)
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    assert run_step(step, store, queue).acted
    again = run_step(step, store, queue)
    assert not again.acted and again.cursor == 2
    assert [e.kind for e in store.list_events("t1", "r1")].count("tool_result") == 1


def test_a_stale_step_re_enqueues_the_follow_up_after_a_crash_before_enqueue() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    start_run(PLAN, store, queue)
    queue.tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), store, queue)
    queue.tasks.clear()
    queue.names.discard("step:t1:r1:2")  # the enqueue of step 2 was lost in a crash
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), store, queue)
    assert not outcome.acted
    assert [t[2] for t in queue.tasks] == ["step:t1:r1:2"]


def test_the_notification_names_the_run_and_its_outcome() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    start_run(PLAN, store, queue)
    for step in (1, 2):
        run_step(StepTask(tenant_id="t1", run_id="r1", step=step), store, queue)
    notes = [body for q, body, _, _ in queue.tasks if q == Queue.NOTIFY]
    assert len(notes) == 1 and isinstance(notes[0], NotifyTask)
    assert notes[0].notification_id == "r1-completed" and notes[0].subject == "Run completed: Say hello"


def test_a_step_of_an_unknown_run_is_not_found() -> None:
    with pytest.raises(NotFound):
        run_step(StepTask(tenant_id="t1", run_id="nope", step=1), FakeRunStore(), FakeQueue())


def test_timeline_is_scoped_to_the_tenant() -> None:
    store, queue = FakeRunStore(), FakeQueue()
    start_run(PLAN, store, queue)
    assert timeline("t1", "r1", store)["events"][0]["kind"] == "run_planned"
    with pytest.raises(NotFound):
        timeline("t2", "r1", store)


def test_fold_refuses_a_gap_in_the_log() -> None:
    now = datetime.now(UTC)
    planned = RunPlanned(seq=1, at=now, goal="g", trigger="t", steps=[PlannedStep(tool="finish")])
    with pytest.raises(InvalidInput):
        fold([planned, ToolResult(seq=3, at=now, step=1, tool="finish")])
