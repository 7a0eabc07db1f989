"""The offline model understands the requests its table lists (each example, and
paraphrases such as "sum up the page"), and says plainly what it understands when it does not, so a
run never "completes" having done nothing; docs/local-stack.md lists the same table."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.platform.adapters.offline_model import OfflineModel, draft_for, plan_for
from shared.platform.domain.offline_intents import INTENTS, NOT_UNDERSTOOD, docs_table, intent_of
from shared.platform.errors import NotUnderstood
from shared.runs.domain.events import RunFinished, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion, asking

PAGE = {"id": "p1", "title": "Launch", "text": "Ship on Friday.\nInvite the press."}
SOURCE = {
    "id": "ds1",
    "properties": {"Status": {"type": "status", "options": ["New", "In progress", "Done"]}},
}
CONTEXTS: dict[str, dict[str, Any]] = {
    "page": {"page": PAGE, "data_source": SOURCE, "trigger": {"kind": "comment"}},
    "no page": {"trigger": {"kind": "api"}},
    "routine": {"data_source": SOURCE, "trigger": {"kind": "schedule"}},
}
# The tool each row's plan starts with: the row was acted on, not another one.
FIRST = {
    "debate": "debate",
    "panel": "panel",
    "requirements": "write_requirements",
    "pull request": "draft_text",
    "each row": "map_rows",
    "each of": "map_rows",
    "hand off": "hand_off",
    "comment": "add_comment",
    "add a line": "append_blocks",
    "set a property": "update_properties",
    "read first": "read_page",
    "summarise": "read_page",
    "plan the day": "query_data_source",
    "plan the page": "read_page",
    "note": "draft_text",
}


def _tools(goal: str, ctx: dict[str, Any]) -> list[str]:
    return [s["tool"] for s in plan_for(ctx, goal)["steps"]]


@pytest.mark.parametrize("intent", INTENTS, ids=[i.name for i in INTENTS])
def test_every_example_the_table_lists_is_understood_as_its_row(intent: Any) -> None:
    assert set(FIRST) == {i.name for i in INTENTS}
    for example in intent.examples:
        if intent.where != "routine":
            assert intent_of(example, intent.where) == intent, example
        assert _tools(example, CONTEXTS[intent.where])[0] == FIRST[intent.name], example


@pytest.mark.parametrize(
    "goal",
    [
        "summarise this page",
        "Sum up the page please",
        "make a summary",
        "Can you give me the gist?",
        "tl;dr",
        "Answer the comment on the page 'Launch': recap this",
    ],
)
def test_a_summary_asked_in_plain_words_is_written_on_the_page(goal: str) -> None:
    plan = plan_for(CONTEXTS["page"], goal)
    steps = [(s["tool"], json.loads(s["args_json"])) for s in plan["steps"]]
    assert [t for t, _ in steps] == ["read_page", "draft_text", "append_blocks", "finish"]
    assert steps[2][1] == {"page_id": "p1", "text": "Summary: ${steps.2.text}"}
    assert plan["goal"] == goal
    draft = draft_for(
        {
            "instructions": json.loads(plan["steps"][1]["args_json"])["instructions"].replace(
                "${steps.1.text}", "# Launch\nShip on Friday.\n\nInvite the press."
            )
        }
    )
    assert draft["text"] == "Launch\nShip on Friday.\nInvite the press."


@pytest.mark.parametrize(
    ("goal", "tools"),
    [
        ('leave a comment saying "On it"', ["add_comment", "finish"]),
        ('reply "Thanks"', ["add_comment", "finish"]),
        ("pass this to the agent writer", ["hand_off", "finish"]),
        ('mark the Status as "Done"', ["update_properties", "finish"]),
        ('move the Status to "In progress"', ["update_properties", "finish"]),
        ('put "Checked" on the page', ["append_blocks", "finish"]),
        ("have the agents debate this", ["debate", "settle", "append_blocks", "finish"]),
        ("look at the page first", ["read_page", "plan_next"]),
        ('on every row, add the line "Checked"', ["map_rows", "fan_in", "append_blocks", "finish"]),
    ],
)
def test_paraphrases_are_read_as_the_plain_request(goal: str, tools: list[str]) -> None:
    assert _tools(goal, CONTEXTS["page"]) == tools


def test_a_draft_named_like_a_summary_is_still_a_plan_to_approve() -> None:
    assert "request_approval" in _tools("Draft the recap", CONTEXTS["page"])


def test_a_request_on_a_page_it_does_not_understand_says_so_and_what_it_understands() -> None:
    with pytest.raises(NotUnderstood) as raised:
        plan_for(CONTEXTS["page"], "Answer the comment on the page 'Launch': translate it into Klingon")
    said = raised.value.reason
    assert said.startswith(f"{NOT_UNDERSTOOD} \"Answer the comment on the page 'Launch': translate it")
    for intent in (i for i in INTENTS if i.where == "page"):
        assert f'- {intent.name}: "{intent.examples[0]}"' in said


def test_a_request_read_but_not_doable_here_says_how_it_was_read() -> None:
    with pytest.raises(NotUnderstood) as raised:
        plan_for(CONTEXTS["page"], 'set the Colour to "Red"')  # no such property
    assert 'it read it as "set a property" but found nothing here to do it with' in raised.value.reason


def test_a_run_on_no_page_with_no_words_is_not_an_empty_note() -> None:
    with pytest.raises(NotUnderstood) as raised:
        plan_for(CONTEXTS["no page"], "  ")
    assert '"(no words)"' in raised.value.reason and "- note:" in raised.value.reason


def test_a_mention_it_does_not_understand_ends_the_run_saying_what_it_understands() -> None:
    notion = FakeNotion()
    page = notion.add_page("Launch", text="Ship on Friday.")
    notion.comments[page] = [asking("c1", notion.bot_id, " translate it into Klingon")]
    deps = make_deps(model=OfflineModel(), notion=notion)
    trigger = Trigger(kind="webhook", event_type="comment.created", page_id=page, comment_id="c1")
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="", trigger=trigger), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert run.state.summary.startswith(NOT_UNDERSTOOD) and "- summarise:" in run.state.summary
    ended = [e for e in run.events if isinstance(e, RunFinished)] if hasattr(run, "events") else []
    assert all(e.status == RunStatus.FAILED for e in ended)


def test_the_docs_list_what_the_local_model_understands_as_the_table_says() -> None:
    doc = (Path(__file__).parents[4] / "docs" / "local-stack.md").read_text()
    assert docs_table() in doc


def _quoted_requests(text: str, start: str, end: str) -> list[str]:
    """The requests a screen or a doc quotes for a person to write, between ``start`` and ``end``:
    each quoted phrase beginning with "hold" (a doc's ``\\"`` read as the quote it is)."""
    part = " ".join(text[text.index(start) : text.index(end, text.index(start))].split())
    part = part.replace('\\"', "\0")
    found = re.findall(r'“(hold [^”]+)”|"(hold [^"]+)"', part)
    return [(curly or straight).replace("\0", '"') for curly, straight in found]


def test_the_requests_the_runs_screen_and_the_docs_show_are_understood() -> None:
    """The debate and panel requests the console's Runs hint and docs/engine.md tell
    a person to write are planned as that pattern on a page, not refused or read as something else."""
    root = Path(__file__).parents[4]
    hint = _quoted_requests(
        (root / "web" / "src" / "screens" / "runs.tsx").read_text(), 'id="patterns-hint"', "</p>"
    )
    doc = _quoted_requests((root / "docs" / "engine.md").read_text(), "**Starting one.**", "\n\n")
    assert len(hint) == len(doc) == 2, (hint, doc)
    for asked in hint + doc:
        pattern = "debate" if "debate" in asked else "panel"
        read = intent_of(asked, "page")
        assert read is not None and read.name == pattern, asked
        assert _tools(asked, CONTEXTS["page"])[:2] == [pattern, "settle"], asked
