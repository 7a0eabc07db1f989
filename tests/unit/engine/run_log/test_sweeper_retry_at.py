"""A step waiting for a long Retry-After is not a stalled run: the sweeper leaves it alone until its
``retry_at`` (plus the stall window), a delivery that comes before it puts the step back without
calling the tool or the model, and runs waiting so do not keep a stalled run out of the batch."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.sweeper import GIVE_UP_AFTER, sweep
from shared.platform.errors import TransientError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import state
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.runs.runs import queue_of as queue
from tests.support.runs.runs import store_of as store

WAIT = 3000.0  # a GitHub rate limit's reset, say: far beyond the sweeper's 600 s window
STALL = 600.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)  # the fake store stamps updated_at with the wall clock

    def __call__(self) -> datetime:
        return self.now

    def later(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def started(model: FakeModel, notion: FakeNotion, runs: tuple[str, ...] = ("r1",)) -> tuple[Deps, Clock]:
    clock = Clock()
    deps = make_deps(model=model, notion=notion, sweep_stall_s=STALL)._replace(clock=clock)
    for run_id in runs:
        start_run(PlanTask(tenant_id="t1", run_id=run_id, goal="do it", trigger=Trigger(kind="api")), deps)
    queue(deps).tasks.clear()
    return deps, clock


def rate_limited_read() -> tuple[Deps, Clock, FakeNotion]:
    """Run r1's first step (read a page) hit a 429 with a Retry-After of ``WAIT`` seconds."""
    notion = FakeNotion()
    page = notion.add_page("P")
    model = FakeModel({"PlanOut": [plan(("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))]})
    deps, clock = started(model, notion)
    notion.fail["retrieve_page"] = [TransientError("Notion answered 429", retry_after_s=WAIT)]
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert not outcome.acted and outcome.reason == f"retry in {WAIT:.0f} s"
    assert [(t[2], t[3]) for t in queue(deps).tasks] == [("step:t1:r1:1:3", WAIT)]
    return deps, clock, notion


def step_tasks(deps: Deps) -> list[tuple[str, str, float]]:
    return [(b.run_id, name, delay) for _, b, name, delay in queue(deps).tasks if isinstance(b, StepTask)]


def test_the_error_records_when_the_step_may_run_again() -> None:
    deps, clock, _ = rate_limited_read()
    error = deps.store.get_event("t1", "r1", state(deps).last_seq)
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.TRANSIENT
    assert error.retry_at == clock.now + timedelta(seconds=WAIT)
    assert state(deps).retry_at == error.retry_at


def test_a_delayed_step_is_not_swept_before_its_retry_at() -> None:
    deps, clock, _ = rate_limited_read()
    failed_at = clock.now
    for minutes in (11, 21, 45, 50, 59):  # the reviewer's sweep at +11 min queued ...:1:3:sweepN, delay 0
        clock.now = failed_at + timedelta(minutes=minutes)
        assert sweep(deps) == 0, minutes
    assert step_tasks(deps) == [("r1", "step:t1:r1:1:3", WAIT)]  # only the delayed retry


def test_a_delayed_step_stalled_past_its_retry_at_and_the_window_is_swept() -> None:
    deps, clock, _ = rate_limited_read()
    queue(deps).tasks.clear()  # the delayed retry was lost
    retry_at = state(deps).retry_at
    assert retry_at is not None
    clock.now = retry_at + timedelta(seconds=STALL - 5)
    assert sweep(deps) == 0  # due, but the retry may just be on its way
    clock.now = retry_at + timedelta(seconds=STALL + 5)
    assert sweep(deps) == 1
    [(run_id, name, delay)] = step_tasks(deps)
    assert (run_id, delay) == ("r1", 0.0) and name.startswith("step:t1:r1:1:3:sweep")
    assert run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps).acted
    assert state(deps).cursor == 2 and state(deps).retry_at is None


def test_the_delayed_retry_acts_when_it_comes() -> None:
    deps, clock, notion = rate_limited_read()
    notion.fail["retrieve_page"] = [TransientError("Notion answered 429", retry_after_s=WAIT)]
    retry_at = state(deps).retry_at
    assert retry_at is not None
    clock.now = retry_at
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert outcome.reason == f"retry in {WAIT:.0f} s" and not notion.fail["retrieve_page"]  # it called
    assert state(deps).retry_at == retry_at + timedelta(seconds=WAIT)  # the new limit's reset


def test_an_early_delivery_puts_the_step_back_without_calling_the_tool_or_the_model() -> None:
    notion = FakeNotion()
    model = FakeModel(
        {
            "PlanOut": [plan(("draft_text", {"instructions": "a haiku"}), ("finish", {"summary": "ok"}))],
            "Draft": [TransientError("Vertex answered 429", retry_after_s=WAIT)],
        }
    )
    deps, clock = started(model, notion)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert step_tasks(deps) == [("r1", "step:t1:r1:1:3", WAIT)]
    prompts, events = len(model.prompts), deps.store.list_events("t1", "r1")
    clock.later(660)  # a duplicate delivery, a resume, a sweep that raced the error
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert not outcome.acted and outcome.reason == f"retry in {WAIT - 660:.0f} s"
    assert len(model.prompts) == prompts  # no model call
    assert deps.store.list_events("t1", "r1") == events  # nothing recorded
    assert step_tasks(deps) == [("r1", "step:t1:r1:1:3", WAIT)]  # the same name: refused while it waits
    clock.later(WAIT - 660)
    assert run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps).acted  # on time: it acts
    assert len(model.prompts) == prompts + 1 and state(deps).cursor == 2


def test_an_early_delivery_restores_a_delayed_retry_that_was_never_created() -> None:
    deps, clock, notion = rate_limited_read()
    lost = deps._replace(queue=FakeQueue())  # the instance died after recording, before enqueuing
    notion.fail["retrieve_page"] = [TransientError("Notion answered 429", retry_after_s=WAIT)]
    clock.later(100)
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), lost)
    assert not outcome.acted and notion.fail["retrieve_page"]  # Notion was not called
    assert step_tasks(lost) == [("r1", "step:t1:r1:1:3", WAIT - 100)]


def test_delayed_runs_do_not_keep_a_stalled_run_out_of_the_batch() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = plan(("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))
    deps, clock = started(FakeModel({"PlanOut": [steps] * 4}), notion, runs=("r0", "r1", "r2", "r3"))
    for i in range(3):  # the three oldest wait for a rate limit
        notion.fail["retrieve_page"] = [TransientError("429", retry_after_s=WAIT)]
        run_step(StepTask(tenant_id="t1", run_id=f"r{i}", step=1), deps)
    queue(deps).tasks.clear()
    runs = store(deps).runs
    for i in range(4):  # r0 oldest ... r3 newest; r3's step task was lost
        key = ("t1", f"r{i}")
        runs[key] = runs[key].model_copy(update={"updated_at": clock.now - timedelta(minutes=40 - i)})
    assert sweep(deps, limit=2) == 1
    assert [run_id for run_id, _, _ in step_tasks(deps)] == ["r3"]


def test_giving_up_after_a_day_counts_from_the_retry_at() -> None:
    deps, clock, _ = rate_limited_read()
    key = ("t1", "r1")
    runs = store(deps).runs
    error = deps.store.get_event("t1", "r1", state(deps).last_seq)
    assert isinstance(error, ErrorRecorded)
    # Retry-After of a day and more: its retry was lost; 20 minutes past it the run is swept, not failed
    retry_at = clock.now - timedelta(minutes=20)
    delayed = state(deps).model_copy(update={"retry_at": retry_at})
    runs[key] = runs[key].model_copy(update={"state": delayed, "updated_at": retry_at - GIVE_UP_AFTER})
    assert sweep(deps) == 1
    assert state(deps).status == RunStatus.RUNNING
    # a day past its retry_at without progress: failed, as any run stuck for good
    clock.later(GIVE_UP_AFTER.total_seconds())
    assert sweep(deps) == 0
    assert state(deps).status == RunStatus.FAILED
