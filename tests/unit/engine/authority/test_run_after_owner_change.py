"""A run goes on only while its workspace is connected by the person whose run it is.

Disconnecting a workspace stops its runs at their next step (cancelled, the owner told). If someone
else then connects it, a run of the earlier owner's that was still under way is cancelled at its
next step too (or at its planning, approved after a budget stop), before any tool or model call: it
must not use the new owner's Notion token, budget or channels. None of its news reaches the new
owner: not the end notice, nor a decision asked before the change, nor a notification it sent.
"""

import time
from datetime import UTC, datetime, timedelta

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.notifications import deliver_notification
from shared.platform.topology import Queue
from shared.runs.domain.events import RunCancelled, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.connecting.connection import tenant_from_grant
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.engine_fakes import FakeModel, FakeNotion, make_deps, raise_budget, run_step_as_owner
from tests.fakes import FakeNotifier, FakeQueue, FakeRunStore
from tests.support.engine.engine_runs import drive, plan

NEW_OWNER = {"type": "user", "user": {"id": "u-new", "person": {"email": "new@example.com"}}}


def queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def run_of(deps: Deps, run_id: str = "r1") -> RunState:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def disconnect(deps: Deps) -> None:
    def revoke(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"status": TenantStatus.REVOKED, "integrations": ()})

    deps.need_tenants().update("t1", revoke)


def connected_by_someone_else(deps: Deps) -> None:
    disconnect(deps)
    now = datetime.now(UTC) + timedelta(milliseconds=1)
    grant = {"workspace_id": "ws-t1", "owner": NEW_OWNER}
    deps.need_tenants().update("t1", lambda t: tenant_from_grant("t1", grant, t, now, "notion-token-new"))


def writing_run() -> tuple[Deps, FakeNotion]:
    notion = FakeNotion()
    page = notion.add_page("P")
    model = FakeModel(
        {"PlanOut": [plan(("append_blocks", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))]}
    )
    deps = make_deps(model=model, notion=notion)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do it", trigger=Trigger(kind="api")), deps)
    assert run_of(deps).status == RunStatus.RUNNING and run_of(deps).started_at is not None
    return deps, notion


def test_an_earlier_owners_run_is_cancelled_before_its_next_tool_and_its_news_is_not_delivered() -> None:
    deps, notion = writing_run()
    connected_by_someone_else(deps)
    notes = drive(deps)
    state = run_of(deps)
    assert state.status == RunStatus.CANCELLED
    assert state.summary == "the workspace was connected again by someone else"
    assert notion.writes["append_blocks"] == 0  # no tool ran with the new owner's token
    assert (
        isinstance(deps.model, FakeModel) and len(deps.model.prompts) == 1
    )  # the plan only: no model call after
    [end] = notes
    assert end.run_started_at == state.started_at
    notifier = FakeNotifier()
    delivery = deliver_notification(end, notifier, deps.need_tenants(), deps.queue)
    assert not delivery.delivered and notifier.delivered == {}


def test_a_decision_asked_before_the_change_does_not_reach_the_new_owner() -> None:
    steps = plan(("ask_question", {"question": "ok?"}), ("finish", {"summary": "ok"}))
    deps = make_deps(model=FakeModel({"PlanOut": [steps]}))
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="ask", trigger=Trigger(kind="api")), deps)
    asked = drive(deps)
    assert run_of(deps).status == RunStatus.WAITING_FOR_HUMAN
    [question] = asked
    connected_by_someone_else(deps)  # before the notice is delivered (quiet hours, a retry)
    notifier = FakeNotifier()
    assert not deliver_notification(question, notifier, deps.need_tenants(), deps.queue).delivered
    assert notifier.delivered == {}


def test_a_notification_a_step_sent_before_the_change_does_not_reach_the_new_owner() -> None:
    steps = plan(
        ("send_notification", {"subject": "Q3 figures", "text": "secret"}), ("finish", {"summary": "ok"})
    )
    deps = make_deps(model=FakeModel({"PlanOut": [steps]}))
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="tell", trigger=Trigger(kind="api")), deps)
    q, body, _, _ = queue(deps).take()
    assert q == Queue.EXECUTE_STEP and isinstance(body, StepTask)
    run_step_as_owner(body, deps)
    [sent] = [b for q, b, _, _ in queue(deps).tasks if isinstance(b, NotifyTask)]
    assert sent.subject == "Q3 figures" and sent.run_started_at == run_of(deps).started_at
    connected_by_someone_else(deps)
    notifier = FakeNotifier()
    assert not deliver_notification(sent, notifier, deps.need_tenants(), deps.queue).delivered


def test_the_new_owners_own_runs_go_on_and_are_told() -> None:
    deps, _ = writing_run()
    connected_by_someone_else(deps)
    # The new owner's run starts after their connection, which is dated 1 ms ahead: without the
    # wait a planning faster than that (the catalogue is made once per process) would predate it.
    time.sleep(0.002)
    queue(deps).tasks.clear()
    notion = FakeNotion()
    page = notion.add_page("Mine")
    steps = plan(("append_blocks", {"page_id": page, "text": "y"}), ("finish", {"summary": "done"}))
    mine = make_deps(model=FakeModel({"PlanOut": [steps]}), notion=notion)._replace(tenants=deps.tenants)
    start_run(PlanTask(tenant_id="t1", run_id="r2", goal="mine", trigger=Trigger(kind="api")), mine)
    [end] = drive(mine)
    assert run_of(mine, "r2").status == RunStatus.COMPLETED and notion.writes["append_blocks"] == 1
    notifier = FakeNotifier()
    assert deliver_notification(end, notifier, mine.need_tenants(), mine.queue).delivered


def test_a_disconnect_cancels_the_run_at_its_next_step_and_tells_its_owner() -> None:
    deps, notion = writing_run()
    disconnect(deps)
    [end] = drive(deps)
    events = deps.store.list_events("t1", "r1")
    assert isinstance(events[-1], RunCancelled) and events[-1].reason == "the workspace was disconnected"
    assert notion.writes["append_blocks"] == 0
    notifier = FakeNotifier()
    assert deliver_notification(end, notifier, deps.need_tenants(), deps.queue).delivered  # still theirs


def test_a_run_document_stored_before_started_at_is_dated_by_its_creation() -> None:
    deps, notion = writing_run()
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    old = run.state.model_copy(update={"started_at": None})  # as stored before the field
    assert isinstance(deps.store, FakeRunStore)
    deps.store.runs[("t1", "r1")] = run.model_copy(update={"state": old})
    connected_by_someone_else(deps)
    drive(deps)
    assert run_of(deps).status == RunStatus.CANCELLED and notion.writes["append_blocks"] == 0


def test_a_run_approved_after_a_budget_stop_is_not_planned_for_the_new_owner() -> None:
    model = FakeModel({"PlanOut": [plan(("finish", {"summary": "ok"}))]})
    deps = make_deps(model=model, default_run_budget_usd=0.0)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do it", trigger=Trigger(kind="api")), deps)
    assert run_of(deps).status == RunStatus.WAITING_FOR_HUMAN  # stopped by its budget at planning
    queue(deps).tasks.clear()
    raise_budget(deps, max_cost_per_run_usd=5.0)
    humans.respond(deps, "t1", "r1", "approve")  # by its owner, before the change
    [(q, replan, _, _)] = queue(deps).tasks
    assert q == Queue.PLAN and isinstance(replan, PlanTask)
    connected_by_someone_else(deps)
    queue(deps).take()
    paid = len(model.prompts)
    start_run(replan, deps)
    state = run_of(deps)
    assert state.status == RunStatus.CANCELLED and not state.steps
    assert state.summary == "the workspace was connected again by someone else"
    assert len(model.prompts) == paid  # no model call for it
