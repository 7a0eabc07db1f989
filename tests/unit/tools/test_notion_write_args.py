"""Arguments of the Notion write tools that Notion would refuse for their shape are the model's to fix
before the intent: a plain value where a property value object belongs (which used to crash the
reconciliation of a retried update with a TypeError, for a day), and text of more blocks than one
request carries (which used to be cut at 99 lines while the step reported success). Rich text is split
by Notion's UTF-16 length, so a long line of emoji is not refused."""

import json
from typing import Any

import pytest

from shared.engine.agent.plans import catalogue, validate_plan
from shared.engine.services.engine import run_step
from shared.notify.domain.provenance import Mark
from shared.notion.domain.blocks import Span, text_blocks, utf16_len
from shared.notion.domain.markdown import markdown_to_blocks
from shared.notion.services import notion_text as nt
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ModelFixableError
from shared.platform.prompts import render
from shared.runs.domain.events import ErrorKind, ErrorRecorded, RunStatus, ToolIntent, ToolResult
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.tools import validate
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.notion_write import UpdatePropertiesArgs, find_update
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import step_intent
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.platform.unchecked import unchecked
from tests.support.tools.notion_write_args import DONE, planned, planned_update

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def refusal(tool: str, args: dict[str, Any]) -> str:
    with pytest.raises(ModelFixableError) as caught:
        validate(tool, args)
    return caught.value.reason


def last_event(deps: Deps) -> Any:
    return deps.store.list_events("t1", "r1")[-1]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("Done", "properties.Status: a property value is an object with one key, its type"),
        (["Done"], "a property value is an object"),
        ({"name": "Done"}, "got ['name']"),
        ({"status": {"name": "Done"}, "select": {"name": "Done"}}, "one key"),
        ({"type": "select", "status": {"name": "Done"}}, "one key"),
        ({"formula": {"string": "x"}}, "got ['formula']"),
        ({"select": "Done"}, 'select takes {"name": "..."} or null'),
        ({"status": "Done"}, "status takes"),
        ({"checkbox": "yes"}, "checkbox takes true or false"),
        ({"number": True}, "number takes a number or null"),
        ({"title": "Report"}, "title takes [{"),
        ({"multi_select": ["a", "b"]}, "multi_select takes"),
    ],
)
def test_a_property_value_notion_would_refuse_for_its_shape_is_the_models_to_fix(
    value: Any, says: str
) -> None:
    reason = refusal("update_properties", {"page_id": "p", "properties": {"Status": value}})
    assert reason.startswith("bad arguments for update_properties: ") and says in reason


def test_well_shaped_property_values_and_whole_references_pass() -> None:
    properties = {
        "Status": {"status": {"name": "Done"}},
        "Stage": {"type": "select", "select": None},
        "Tags": {"multi_select": [{"name": "a"}]},
        "Estimate": {"number": 3.5},
        "Done": {"checkbox": False},
        "Due": {"date": {"start": "2026-11-30"}},
        "Notes": {"rich_text": [{"text": {"content": "from ${steps.1.title}"}}]},
        "Link": {"url": None},
        "Owner": "${steps.1.owner}",  # one reference: checked once resolved, before the intent
    }
    assert validate("update_properties", {"page_id": "p", "properties": properties})


def test_a_plan_with_a_plain_property_value_is_refused_when_it_is_checked() -> None:
    steps = [
        {
            "tool": "update_properties",
            "args_json": json.dumps({"page_id": "p", "properties": {"Status": "Done"}}),
        },
        {"tool": "finish", "args_json": json.dumps({"summary": "ok"})},
    ]
    with pytest.raises(ModelFixableError) as caught:
        validate_plan(PlanOut.model_validate({"goal": "g", "risk": "low", "steps": steps}), 10)
    assert "step 1: bad arguments for update_properties: properties.Status" in caught.value.reason


@pytest.mark.parametrize(
    "wanted", [{"Status": "Done"}, {"Status": {"status": "Done"}}, {"Status": ["Done"]}, {"Status": None}]
)
def test_reconciling_an_update_whatever_its_recorded_arguments_finds_nothing_rather_than_raising(
    wanted: dict[str, Any],
) -> None:
    notion = FakeNotion()
    page = notion.add_page("P", Status="Done")
    deps = make_deps(notion=notion)
    ctx = ToolContext(
        tenant_id="t1",
        run_id="r1",
        step=1,
        key="r1:1:1",
        notion=deps.need_notion("t1"),
        model=FakeModel(),
        queue=deps.queue,
        prompt=lambda text: text,
    )
    args = unchecked(UpdatePropertiesArgs(page_id=page, properties=DONE), properties=wanted)  # as once
    assert find_update(ctx, args) is None
    assert find_update(ctx, UpdatePropertiesArgs(page_id=page, properties=DONE)) is not None


def test_a_retried_update_whose_intent_holds_a_plain_value_is_repaired_not_crashed() -> None:
    """A run planned before the check: its intent holds ``{"Status": "Done"}`` and a transient error
    released it. The retry used to crash in the reconciliation (TypeError: a 500 on every delivery, an
    intent each, nothing recorded, for a day); now the arguments are refused as the model's to fix
    (Notion would have refused them: nothing was written) and the repair is written once."""
    notion = FakeNotion()
    page = notion.add_page("P", Status="Doing")
    deps = planned_update(notion, page, DONE)
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    state, now = run.state, deps.clock()
    intent = step_intent(deps, "update_properties", {"page_id": page, "properties": {"Status": "Done"}}, 30)
    lost = ErrorRecorded(
        seq=state.last_seq + 2,
        at=now,
        step=1,
        error=ErrorKind.TRANSIENT,
        message="Notion did not answer in time",
    )
    assert deps.store.append("t1", "r1", state, [intent, lost]) is not None
    assert not run_step(STEP, deps).acted  # no exception: an error the model is asked to fix
    error = last_event(deps)
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert "properties.Status: a property value is an object" in error.message
    assert run_step(STEP, deps).acted
    result = last_event(deps)
    assert isinstance(result, ToolResult) and result.args["properties"] == DONE
    assert notion.writes["update_properties"] == 1
    assert notion.pages[page]["properties"]["Status"]["status"]["name"] == "Done"


def test_an_append_sends_every_block_within_notions_limits_after_its_marker() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    text = "\n".join(["🚀" * 1500, *(f"- item {i}" for i in range(98))])  # the marker + 99 blocks
    deps = planned(
        notion, page, ("append_blocks", {"page_id": page, "text": text}), ("finish", {"summary": "ok"})
    )
    assert run_step(STEP, deps).acted
    written = notion.children[page]
    assert len(written) == 100 and notion.writes["append_blocks"] == 1  # one request: atomic
    assert nt.block_text(written[0]) == "Notion Agent"  # the key is in its link, not its text
    assert nt.mark(written[0]) == Mark(idempotency_key("t1", "r1", 1))
    assert nt.block_text(written[-1]) == "item 97"
    for block in written:
        assert all(utf16_len(i["text"]["content"]) <= 2000 for i in block[block["type"]]["rich_text"])


def test_a_long_append_takes_several_requests_and_completes_its_marker_last() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    text = "\n".join(f"- item {i}" for i in range(250))
    deps = planned(
        notion, page, ("append_blocks", {"page_id": page, "text": text}), ("finish", {"summary": "ok"})
    )
    assert run_step(STEP, deps).acted
    written = notion.children[page]
    assert [nt.block_text(b) for b in written[1:]] == [f"item {i}" for i in range(250)]
    assert notion.writes["append_blocks"] == 3 and notion.writes["update_block"] == 1
    assert nt.mark(written[0]) == Mark(idempotency_key("t1", "r1", 1), writing=False)  # completed


TOO_LONG = "\n".join(f"- line {i}" for i in range(1200))  # 1,201 blocks with the marker: 13 requests


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("append_blocks", {"page_id": "p", "text": TOO_LONG}),
        ("create_page", {"title": "T", "parent_page_id": "p", "content": "\n\n".join("x" * 1200)}),
        ("append_blocks", {"page_id": "p", "text": "${steps.1.text}\n" + TOO_LONG}),
    ],
)
def test_text_over_one_calls_requests_is_refused_when_checked_not_cut(
    tool: str, args: dict[str, Any]
) -> None:
    reason = refusal(tool, args)
    assert "requests of at most 100 blocks and one call writes at most 10" in reason
    assert "split it across several append_blocks steps" in reason


def test_a_draft_too_long_for_one_append_is_refused_before_the_intent_and_nothing_is_written() -> None:
    notion = FakeNotion()
    page = notion.add_page("P")
    steps = [
        ("draft_text", {"instructions": "write it"}),
        ("append_blocks", {"page_id": page, "text": "${steps.1.text}"}),
        ("finish", {"summary": "ok"}),
    ]
    deps = planned(notion, page, *steps)
    assert isinstance(deps.model, FakeModel)
    deps.model.script["Draft"] = [{"title": "t", "text": TOO_LONG}]
    assert run_step(STEP, deps).acted
    assert not run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps).acted
    error = last_event(deps)
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert "the text needs 13 requests" in error.message
    assert not any(isinstance(e, ToolIntent) for e in deps.store.list_events("t1", "r1"))
    assert notion.writes["append_blocks"] == 0
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING


def test_a_page_an_older_release_created_is_found_again_after_its_arguments_are_repaired() -> None:
    """An older release cut a create_page's 150 lines to 99 and created the page; its reply was lost.
    Today's check refuses the intent's arguments, so the model repairs them: it may shorten the
    content, not retitle the page (find_page looks it up by parent and title), so the step finds the
    page made before instead of creating a second one."""
    notion = FakeNotion()
    parent = notion.add_page("Parent")
    long_text = TOO_LONG
    [visible] = text_blocks("paragraph", [Span("Notion Agent · ref r1:1:1", italic=True)], color="gray")
    made = [visible, *markdown_to_blocks(long_text)[:99]]  # its marker in the text, before decision 0124
    notion.create_page(
        "token", {"page_id": parent}, {"title": {"title": [{"text": {"content": "Notes"}}]}}, made
    )
    old = {"title": "Notes", "parent_page_id": parent, "content": long_text}
    retitled = {"title": "Notes (short)", "parent_page_id": parent, "content": "line 0"}
    shortened = {"title": "Notes", "parent_page_id": parent, "content": "line 0"}
    deps = planned(
        notion,
        parent,
        ("create_page", old),
        ("finish", {"summary": "ok"}),
        fixes=[{"args_json": json.dumps(retitled)}, {"args_json": json.dumps(shortened)}],
    )
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    state, now = run.state, deps.clock()
    intent = step_intent(deps, "create_page", old, lease_s=0)
    lost = ErrorRecorded(seq=state.last_seq + 2, at=now, step=1, error=ErrorKind.TRANSIENT, message="timeout")
    assert deps.store.append("t1", "r1", state, [intent, lost]) is not None
    assert not run_step(STEP, deps).acted  # the intent's 150 lines: the model's to fix
    assert not run_step(STEP, deps).acted  # the repair renamed the page: refused before any call
    assert "keep title='Notes'" in last_event(deps).message
    assert run_step(STEP, deps).acted
    result = last_event(deps)
    assert isinstance(result, ToolResult) and result.reconciled
    assert notion.writes["create_page"] == 1  # the older release's page, found again


def test_the_plan_prompt_tells_the_model_of_search_and_of_markdown() -> None:
    prompt = render("plan", tools=catalogue(), goal="g", context="{}", errors="", max_steps=5)
    assert "- search_pages (read): Find pages by title" in prompt
    assert "> [!NOTE] callouts" in prompt and "<details><summary>" in prompt
