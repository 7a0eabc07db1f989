"""Decision 0160: a step's effect and its inverse are recorded in the one tool_result event."""

from shared.engine.services.engine import run_step
from shared.runs.domain.events import HumanRequested, ToolResult
from shared.runs.domain.step_task import StepTask
from shared.undo.domain.inverses import effects
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.tools.notion_write_args import DONE, planned, planned_update

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def test_an_update_s_result_in_the_log_holds_the_values_it_replaced() -> None:
    notion = FakeNotion()
    page = notion.add_page("P", Status="Doing")
    deps = planned_update(notion, page, DONE)
    assert run_step(STEP, deps).acted
    [result] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    [effect] = effects([(result.seq, result.step, result.tool, result.output)])
    assert effect.inverse.action == "restore_properties"
    assert effect.inverse.before == {"Status": {"status": {"name": "Doing"}}}


def test_an_effect_whose_tool_records_no_inverse_is_logged_as_one_that_cannot_be_taken_back() -> None:
    notion = FakeNotion()
    page = notion.add_page("P", Status="Doing")
    sent = ("send_notification", {"subject": "Hello", "text": "Done"})
    deps = planned(notion, page, sent, ("finish", {"summary": "ok"}))
    assert run_step(STEP, deps).acted
    [result] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert result.output["inverse"]["action"] == "none"
    assert result.output["inverse"]["reason"] == "a message sent cannot be unsent"


def test_a_gated_effect_that_cannot_be_taken_back_says_so_in_the_request_before_it_runs() -> None:
    notion = FakeNotion()
    page = notion.add_page("P", Status="Doing")
    deleted = ("delete_block", {"page_id": page, "block_id": notion.add_block(page, "A line")})
    deps = planned(notion, page, deleted, ("finish", {"summary": "ok"}))
    run_step(STEP, deps)
    [asked] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanRequested)]
    assert "It cannot be taken back: its inverse is not recorded yet." in asked.prompt
    assert notion.writes["delete_block"] == 0
