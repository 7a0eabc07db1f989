"""The engine over fakes: plan → steps → human → finish, idempotent plan and steps, the timeline."""

from datetime import UTC, datetime

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import InvalidInput, NotFound
from shared.runs.domain.events import PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.runs.services.runs import timeline
from tests.link_tokens import fragment, mailed
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive_asking as drive
from tests.support.engine.engine_runs import idea_deps
from tests.support.runs.runs import queue_of


def plan_task(page: str, run_id: str = "r1") -> PlanTask:
    return PlanTask(tenant_id="t1", run_id=run_id, trigger=Trigger(kind="webhook", page_id=page))


def state(deps: Deps, run_id: str = "r1") -> object:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def test_an_idea_is_planned_drafted_approved_by_link_written_and_finished() -> None:
    deps, notion, page = idea_deps()
    assert start_run(plan_task(page), deps)
    asks = drive(deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert notion.writes == {"create_page": 1}
    assert not {"approve_url", "reject_url"} & set(asks[-1].data)  # notify mints them as it sends
    link = mailed(deps, asks[-1]).approve
    assert link.startswith("http://127.0.0.1:8085/links#")
    humans.respond_by_link(deps, fragment(link))
    finals = drive(deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.COMPLETED
    assert notion.writes == {"create_page": 1, "append_blocks": 1, "update_properties": 1}
    assert notion.pages[page]["properties"]["Status"]["status"]["name"] == "Exploring"
    assert fold(deps.store.list_events("t1", "r1")) == run.state
    assert [n.notification_id for n in finals] == ["r1-completed"]
    assert run.state.prompt_version == "v3"


def test_a_repeated_plan_task_creates_nothing_new() -> None:
    deps, _, page = idea_deps()
    assert start_run(plan_task(page), deps)
    events = len(deps.store.list_events("t1", "r1"))
    assert not start_run(plan_task(page), deps)
    assert len(deps.store.list_events("t1", "r1")) == events
    assert [t[2] for t in queue_of(deps).tasks] == ["step:t1:r1:1:2", "notify:t1:r1-started"]  # once each


def test_a_duplicate_step_delivery_acts_once() -> None:
    deps, _, page = idea_deps()
    start_run(plan_task(page), deps)
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    assert run_step(step, deps).acted
    again = run_step(step, deps)
    assert not again.acted and again.cursor == 2
    assert [e.kind for e in deps.store.list_events("t1", "r1")].count("tool_result") == 1


def test_a_stale_step_re_enqueues_the_follow_up_after_a_crash_before_enqueue() -> None:
    deps, _, page = idea_deps()
    start_run(plan_task(page), deps)
    queue = queue_of(deps)
    queue.tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    lost = queue.tasks.pop()[2]
    queue.names.discard(lost)  # the enqueue of step 2 was lost in a crash
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    assert not outcome.acted
    assert [t[2] for t in queue.tasks] == [lost]


def test_a_step_of_an_unknown_run_is_not_found() -> None:
    with pytest.raises(NotFound):
        run_step(StepTask(tenant_id="t1", run_id="nope", step=1), make_deps())


def test_timeline_is_scoped_to_the_tenant() -> None:
    deps, _, page = idea_deps()
    start_run(plan_task(page), deps)
    body, _ = timeline("t1", "r1", deps.store, deps.need_tenants())
    assert body is not None and body["events"][0]["kind"] == "run_planned"
    with pytest.raises(NotFound):
        timeline("t2", "r1", deps.store, deps.need_tenants())


def test_fold_refuses_a_gap_in_the_log() -> None:
    now = datetime.now(UTC)
    planned = RunPlanned(seq=1, at=now, goal="g", trigger="t", steps=[PlannedStep(tool="finish")])
    with pytest.raises(InvalidInput):
        fold([planned, ToolResult(seq=3, at=now, step=1, tool="finish")])
