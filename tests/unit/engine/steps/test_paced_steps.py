"""A request the Notion pacer did not send (``NothingSent`` with the wait for the connection's turn):
the step is put back for that turn under a name of its own, answered 200 with nothing recorded, not
left to the queue's growing backoff; a duplicate paced to the same turn adds nothing; the run then
completes. A Runs row's write paced likewise is put back for its turn."""

from shared.engine.services.run_rows import write_row
from shared.platform.errors import NothingSent
from shared.platform.topology import Queue
from shared.runs.domain.events import ErrorRecorded, RunStatus
from shared.runs.domain.rows_task import RowTask
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import run_step_as_owner
from tests.support.engine.engine_runs import drive, plan, queue, started, status
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel


def _reading_run() -> tuple[FakeNotion, Deps, StepTask]:
    """A run planned to read its page, then finish; its first step's task, taken off the queue."""
    notion = FakeNotion()
    page = notion.add_page("P")
    deps = started(
        FakeModel({"PlanOut": [plan(("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))]}),
        notion,
        page,
    )
    _, step, _, _ = queue(deps).take()
    assert isinstance(step, StepTask)
    return notion, deps, step


def test_a_paced_read_is_put_back_for_its_turn_and_nothing_is_recorded() -> None:
    notion, deps, step_one = _reading_run()
    queue(deps).tasks.clear()
    paced = NothingSent("Notion is paced for this connection", retry_after_s=1.2)
    notion.fail["retrieve_page"] = [paced, paced]
    outcome = run_step_as_owner(step_one, deps)
    assert not outcome.acted and outcome.reason.startswith("paced")
    ((q, again, name, delay),) = queue(deps).tasks
    assert q == Queue.EXECUTE_STEP and ":paced:" in name and delay == 1.2
    assert again == step_one.model_copy(update={"paced": 1})
    assert not any(isinstance(e, ErrorRecorded) for e in deps.store.list_events("t1", "r1"))
    run_step_as_owner(step_one, deps)  # a duplicate, paced to the same turn: the same name, refused
    assert len(queue(deps).tasks) == 1
    drive(deps)
    assert status(deps) == RunStatus.COMPLETED


def test_a_step_put_back_again_and_again_gets_a_new_name_each_time() -> None:
    notion, deps, step = _reading_run()
    names = []
    for _ in range(4):
        queue(deps).tasks.clear()
        notion.fail["retrieve_page"] = [NothingSent("Notion is paced", retry_after_s=1.0)]
        run_step_as_owner(step, deps)
        ((_, again, name, delay),) = queue(deps).tasks
        assert isinstance(again, StepTask) and delay == 1.0
        step = again
        names.append(name)
    assert len(set(names)) == 4 and step.paced == 4
    drive(deps)  # its turn at last: the read goes
    assert status(deps) == RunStatus.COMPLETED


def test_a_paced_row_write_is_put_back_for_its_turn() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    deps = started(FakeModel({"PlanOut": [plan(("finish", {"summary": "ok"}))]}), notion, page)
    queue(deps).tasks.clear()
    deps.store.keep_row_page("t1", "r1", page)  # a row kept: its write is an update

    def with_runs(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(
            update={"home": AgentHome(runs=HomeDatabase(database_id="d", data_source_id="s"))}
        )

    deps.need_tenants().update("t1", with_runs)
    notion.fail["update_page_properties"] = [NothingSent("paced", retry_after_s=0.7)]
    task = RowTask(tenant_id="t1", run_id="r1", create=True)
    assert write_row(task, deps) == "paced"
    ((q, again, name, delay),) = queue(deps).tasks
    assert q == Queue.EXECUTE_STEP and again == task and name.startswith("row:t1:r1:paced:") and delay == 0.7
    assert write_row(task, deps) == "updated"
