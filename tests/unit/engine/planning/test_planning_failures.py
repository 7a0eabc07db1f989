"""Planning when the workspace cannot be read: a gone connection drops the trigger (no run, no retry);
a page Notion refuses for good makes a failed run that says why, and its owner is told."""

from shared.engine.planning.start import start_run
from shared.notify.domain.notify_task import NotifyTask
from shared.notion.ports import TenantNotion
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.errors import PermanentError
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

TASK = PlanTask(tenant_id="t1", run_id="r1", trigger=Trigger(kind="webhook", page_id="p-1"))


def test_a_gone_connection_drops_the_trigger_without_a_run() -> None:
    def gone(_tenant: str) -> TenantNotion:
        raise ReconnectRequired("the workspace was disconnected")

    deps = make_deps(model=FakeModel())._replace(notion_for=gone)
    assert start_run(TASK, deps) is False
    assert deps.store.get_run("t1", "r1") is None
    assert isinstance(deps.queue, FakeQueue) and deps.queue.tasks == []


def test_a_page_notion_refuses_makes_a_failed_run_with_the_reason_and_a_notice() -> None:
    notion = FakeNotion()
    notion.fail["retrieve_page"] = [PermanentError("Notion answered 404 object_not_found")]
    deps = make_deps(model=FakeModel(), notion=notion)
    assert start_run(TASK, deps) is True
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "object_not_found" in run.state.summary
    assert isinstance(deps.queue, FakeQueue)
    notices = [body for queue, body, _, _ in deps.queue.tasks if queue == Queue.NOTIFY]
    assert (
        len(notices) == 1 and isinstance(notices[0], NotifyTask) and notices[0].notification_id == "r1-failed"
    )
