"""A run stopped for budget at planning and then approved is planned into the same run and stays
what it was: a page's change run releases its page when it ends and plans the change remembered
meanwhile. If it can no longer be planned (the workspace was disconnected meanwhile, the model
refuses for good), it fails saying why, with the usual end notice and page release, instead of
staying running with no steps for the sweeper to re-plan forever."""

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.engine.services.sweeper import sweep
from shared.notify.domain.notify_task import NotifyTask
from shared.notion.ports import TenantNotion
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.errors import PermanentError
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, page_key
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps, raise_budget
from tests.support.engine.engine_runs import state
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.runs.run_store import FakeRunStore
from tests.support.runs.trigger_gates import webhook_task

PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def change(run_id: str, before: datetime) -> PlanTask:
    return webhook_task(run_id, before=before)


def queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def approved_after_budget_stop(model: FakeModel) -> Deps:
    """A page's change run stopped by its run budget at planning (a spent workspace budget starts no
    page run at all: test_trigger_gates); a later change of the page remembered on
    its claim; the owner raises the budget and approves. The queue holds the approval's follow-up."""
    notion = FakeNotion()
    notion.pages[PAGE] = {"id": PAGE, "parent": {}, "properties": {}, "url": "https://n/p"}
    deps = make_deps(model=model, notion=notion, default_run_budget_usd=0.0)._replace(clock=lambda: T0)
    start_run(change("wh-a", T0 - timedelta(minutes=1)), deps)
    assert state(deps, "wh-a").status == RunStatus.WAITING_FOR_HUMAN
    assert start_run(change("wh-b", T0 + timedelta(minutes=1)), deps) is False  # held: remembered
    queue(deps).tasks.clear()
    raise_budget(deps, max_cost_per_run_usd=5.0)
    humans.respond(deps, "t1", "wh-a", "approve")
    return deps


def drive(deps: Deps) -> list[tuple[Queue, Any, str]]:
    """Carry out wh-a's tasks; return every task sent, in order."""
    sent = []
    for _ in range(20):
        if not queue(deps).tasks:
            break
        q, body, name, _ = queue(deps).take()
        sent.append((q, body, name))
        if isinstance(body, PlanTask) and body.run_id == "wh-a":
            start_run(body, deps)
        elif isinstance(body, StepTask):
            run_step(body, deps)
    return sent


def released(deps: Deps) -> bool:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store.page_runs[("t1", page_key(PAGE))].released


def test_an_approved_page_run_stays_a_page_run_and_plans_the_change_remembered_meanwhile() -> None:
    deps = approved_after_budget_stop(FakeModel({"PlanOut": [FINISH_PLAN]}))
    sent = drive(deps)
    ended = state(deps, "wh-a")
    assert ended.status == RunStatus.COMPLETED and ended.trigger == "webhook"
    assert released(deps)
    assert [name for _, body, name in sent if isinstance(body, PlanTask) and body.run_id == "wh-b"] == [
        "plan:t1:wh-b:after:wh-a"
    ]


def test_a_workspace_disconnected_before_the_replan_fails_the_run_and_releases_its_page() -> None:
    deps = approved_after_budget_stop(FakeModel({"PlanOut": [FINISH_PLAN]}))

    def gone(_tenant: str) -> TenantNotion:
        raise ReconnectRequired("the workspace's Notion connection is revoked")

    deps = deps._replace(notion_for=gone)
    sent = drive(deps)
    ended = state(deps, "wh-a")
    assert ended.status == RunStatus.FAILED and not ended.steps
    assert "could not be planned" in ended.summary and "connection is revoked" in ended.summary
    notices = [body for _, body, _ in sent if isinstance(body, NotifyTask)]
    assert [n.notification_id for n in notices] == ["wh-a-failed"]
    assert "Connect the workspace again" in notices[0].text
    assert released(deps) and any(isinstance(b, PlanTask) and b.run_id == "wh-b" for _, b, _ in sent)
    assert sweep(deps._replace(clock=lambda: T0 + timedelta(hours=1))) == 0


def test_a_model_that_refuses_the_replan_for_good_fails_the_run() -> None:
    refused = PermanentError("the model refused the request")
    deps = approved_after_budget_stop(FakeModel({"PlanOut": [refused]}))
    drive(deps)
    ended = state(deps, "wh-a")
    assert ended.status == RunStatus.FAILED and "the model refused the request" in ended.summary
    assert released(deps)
