"""Notion's 400 ``validation_error`` and 404 ``object_not_found`` say what to fix and change nothing: in a
tool step they are the model's to fix (Notion's message in its context, repaired arguments), not the
end of the run. Every other reader keeps its reading of them as permanent: planning fails the run of
a page it cannot read, the comment check drops a comment that is gone, the comment channel passes a
notification on. A refusal while reconciling an earlier attempt still fails the run (it may have
written)."""

import json
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.notify.domain.notifications import NotificationStatus
from shared.notion.adapters.notion import NotionApiError
from shared.platform.errors import ModelFixableError, PermanentError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, RunStatus, ToolIntent, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import step_intent
from tests.support.engine.notion_validation import SELECT, refused
from tests.support.notify.notifications import Live, live, task
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.trigger_gates import comment, runs, setup
from tests.support.tools.notion_write_args import DONE, planned, planned_update

__all__ = ["live"]  # the fixture, imported for its tests here
STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


MISSING = (404, "object_not_found", "Could not find page with ID: p-404.")


def events(deps: Deps) -> list[Any]:
    return deps.store.list_events("t1", "r1")


def test_a_validation_error_or_a_missing_object_is_both_model_fixable_and_notions_refusal() -> None:
    for status, code, message in (SELECT, MISSING):
        error = refused(status, code, message)
        assert isinstance(error, ModelFixableError) and isinstance(error, NotionApiError)
        assert isinstance(error, PermanentError)  # what every other reader catches
        assert (error.status, error.notion_code, error.notion_message) == (status, code, message)
        assert error.reason == f"Notion answered {status} {code}: {message}"
    for status, code in ((403, "restricted_resource"), (400, "invalid_json"), (404, "not_found_elsewhere")):
        error = refused(status, code, "no")
        assert isinstance(error, NotionApiError) and not isinstance(error, ModelFixableError)


def test_a_write_notion_refuses_is_repaired_with_notions_message_and_written_once() -> None:
    notion = FakeNotion()
    page = notion.add_page("P", Status="Doing")
    wrong = {"Status": {"select": {"name": "Done"}}}
    deps = planned_update(notion, page, wrong)
    notion.fail["update_page_properties"] = [refused(*SELECT)]
    assert not run_step(STEP, deps).acted
    intent, error = events(deps)[-2:]
    assert isinstance(intent, ToolIntent)  # the error right after the intent: the tool's refusal
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert "Status is expected to be status." in error.message
    assert run_step(STEP, deps).acted
    assert isinstance(deps.model, FakeModel)
    assert "Status is expected to be status." in deps.model.prompts[-1][1]  # the repair saw it
    result = events(deps)[-1]
    assert isinstance(result, ToolResult) and result.args["properties"] == DONE
    assert notion.writes["update_properties"] == 1
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING


def test_a_read_of_a_page_that_is_not_there_is_repaired_not_the_end_of_the_run() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    fix = {"args_json": json.dumps({"page_id": page})}
    deps = planned(
        notion, page, ("read_page", {"page_id": "p-404"}), ("finish", {"summary": "ok"}), fixes=[fix]
    )
    notion.fail["retrieve_page"] = [refused(*MISSING)]
    assert not run_step(STEP, deps).acted
    error = events(deps)[-1]
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert run_step(STEP, deps).acted
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING and run.state.cursor == 2


def test_a_refusal_while_reconciling_an_earlier_attempt_still_fails_the_run() -> None:
    """The earlier attempt's reply was lost and its page is gone now: it may have written, so repaired
    arguments (another page) could write again. The run fails saying why, as it always did."""
    notion = FakeNotion()
    page = notion.add_page("P")
    args = {"page_id": page, "text": "once"}
    deps = planned(notion, page, ("append_blocks", args), ("finish", {"summary": "ok"}), fixes=[])
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    state, now = run.state, deps.clock()
    intent = step_intent(deps, "append_blocks", args, lease_s=30)
    lost = ErrorRecorded(
        seq=intent.seq + 1, at=now, step=1, error=ErrorKind.TRANSIENT, message="Notion did not answer in time"
    )
    assert deps.store.append("t1", "r1", state, [intent, lost]) is not None
    notion.fail["list_children"] = [refused(*MISSING)]
    assert not run_step(STEP, deps).acted
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert (
        "looking for an earlier attempt's effect: Notion answered 404 object_not_found" in run.state.summary
    )
    assert notion.writes["append_blocks"] == 0


def test_planning_still_fails_the_run_of_a_page_notion_cannot_find() -> None:
    notion = FakeNotion()
    notion.fail["retrieve_page"] = [refused(*MISSING)]
    deps = make_deps(model=FakeModel(), notion=notion)
    plan = PlanTask(tenant_id="t1", run_id="r1", trigger=Trigger(kind="webhook", page_id="p-404"))
    assert start_run(plan, deps) is True
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "the workspace could not be read: Notion answered 404 object_not_found" in run.state.summary


def test_a_comment_notion_cannot_find_still_starts_nothing() -> None:
    deps, model, notion = setup()
    notion.fail["get_comment"] = [refused(404, "object_not_found", "Could not find comment c-gone.")]
    assert start_run(comment("c-gone"), deps) is False
    assert runs(deps) == [] and model.prompts == []


def test_a_notification_about_a_page_notion_cannot_find_still_goes_no_further_than_before(live: Live) -> None:
    live.notion.fail["add_comment"] = [refused(*MISSING)]
    assert live.deliver(task(live.page)) is False
    record = live.record()
    assert record.status == NotificationStatus.UNDELIVERABLE and "object_not_found" in record.reason
