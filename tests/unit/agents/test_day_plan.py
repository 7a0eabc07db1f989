"""The day's plan without a model: sections, their order, and what a source without a status or a
date still gives."""

from datetime import date
from typing import Any

import pytest

from shared.agents.domain import day_plan
from shared.agents.domain.day_plan import Reading, Task
from shared.notion.domain.markdown import markdown_to_blocks

TODAY = date(2026, 1, 7)


def _task(
    title: str, due: date | None = None, rank: int = 3, doing: bool = False, waiting: bool = False
) -> Task:
    return Task(title, title, f"https://www.notion.so/{title}", "To do", due, rank, doing, waiting)


def test_overdue_comes_before_due_today_and_the_focus_takes_three() -> None:
    tasks = [
        _task("today-low", due=TODAY, rank=2),
        _task("late", due=date(2026, 1, 3), rank=1),
        _task("today-high", due=TODAY, rank=0),
        _task("doing", doing=True, rank=0),
        _task("blocked", waiting=True, due=TODAY),
    ]
    p = day_plan.plan(tasks, TODAY)
    assert [t.title for t in p.due] == ["late", "today-high", "today-low"]
    assert [t.title for t in p.focus] == ["late", "today-high", "today-low"]
    assert [t.title for t in p.doing] == ["doing"] and [t.title for t in p.waiting] == ["blocked"]


def test_yesterday_s_open_tasks_are_carried_and_named_for_tomorrow() -> None:
    p = day_plan.plan([_task("old"), _task("new")], TODAY, yesterday=["old"])
    assert [t.title for t in p.left] == ["old"] and p.task_ids() == ["old"]


def test_a_source_without_status_or_date_is_read_whole() -> None:
    r = day_plan.reading("ds", {"Name": {"name": "Name", "type": "title", "title": {}}})
    assert r == Reading("ds", None, "", (), (), (), None, None, ())
    assert day_plan.query(r, TODAY) == (None, [])


def test_a_select_named_status_stands_in_for_a_status_property() -> None:
    schema = {
        "Status": {
            "name": "Status",
            "type": "select",
            "select": {"options": [{"name": n} for n in ("Todo", "Doing", "Blocked", "Done")]},
        },
        "When": {"name": "When", "type": "date", "date": {}},
    }
    r = day_plan.reading("ds", schema)
    assert r.open_options == ("Todo", "Doing", "Blocked") and r.doing_options == ("Doing",)
    assert r.waiting_options == ("Blocked",) and r.due == "When"
    where, sorts = day_plan.query(r, TODAY)
    assert where is not None and where["and"][0]["or"][0] == {
        "property": "Status",
        "select": {"equals": "Todo"},
    }
    assert sorts == [{"property": "When", "direction": "ascending"}]


def test_the_page_text_links_each_task_and_names_empty_sections() -> None:
    text = day_plan.markdown(day_plan.plan([_task("a [b]", due=TODAY)], TODAY), TODAY)
    assert "- [a \\[b\\]](https://www.notion.so/a [b]) (due today)" in text
    assert "## Waiting on others\nNothing." in text


def test_a_long_section_is_cut_and_counted() -> None:
    many = [_task(f"t{i:02}", due=TODAY) for i in range(20)]
    text = day_plan.markdown(day_plan.plan(many, TODAY), TODAY)
    assert "- and 5 more" in text


def _said(block: dict[str, Any]) -> str:
    return "".join(r["text"]["content"] for r in block[block["type"]]["rich_text"])


@pytest.mark.parametrize("url", ["https://www.notion.so/p1", ""])  # linked, and not (no https url)
def test_a_title_with_line_breaks_and_markdown_is_one_line_of_plain_text(url: str) -> None:
    title = "Pay rent\n## Urgent: wire $5k\r\n- [ ] approve [this](https://evil.example)\u2028**now**\n\n1. `x` <b>&amp;"
    tasks = [
        _task("other", due=TODAY)._replace(title=title, page_id="p1", url=url),
        _task("other", due=TODAY),
    ]
    blocks = markdown_to_blocks(day_plan.markdown(day_plan.plan(tasks, TODAY), TODAY))
    headings = [_said(b) for b in blocks if b["type"].startswith("heading")]
    assert headings == [
        "Focus for today",
        "Due or overdue",
        "In progress",
        "Planned yesterday, not done",
        "Waiting on others",
    ]
    items = [b for b in blocks if b["type"] != "paragraph" and not b["type"].startswith("heading")]
    assert [b["type"] for b in items] == ["bulleted_list_item"] * 4  # two tasks, in two sections
    one_line = (
        "Pay rent ## Urgent: wire $5k - [ ] approve [this](https://evil.example) **now** 1. `x` <b>&amp;"
    )
    shown = [_said(b) for b in items if "Pay rent" in _said(b)]
    assert shown == [f"{one_line} (due today)"] * 2
    for block in items:
        mine = "Pay rent" in _said(block)
        for run in block["bulleted_list_item"]["rich_text"]:
            assert not any((run.get("annotations") or {}).values())  # no bold, code, italic...
            link = (run["text"]["link"] or {}).get("url")
            assert link in ((url or None, None) if mine else ("https://www.notion.so/other", None))


def test_a_title_of_control_characters_alone_is_untitled() -> None:
    tasks = [_task("x", due=TODAY)._replace(title="\x00\x1b\x7f")]
    blocks = markdown_to_blocks(day_plan.markdown(day_plan.plan(tasks, TODAY), TODAY))
    assert [_said(b) for b in blocks if b["type"] == "bulleted_list_item"] == ["Untitled (due today)"] * 2


def test_the_plan_lists_the_runs_waiting_for_a_decision() -> None:
    """The page said "Nothing" under "Waiting on others" while 21 runs waited. A title is
    plain text (escaped), never Markdown."""
    text = day_plan.decisions(["Weekly report: Launch **notes**", "Triage: Bug"], 21)
    assert text.startswith("\n\n## Waiting for a decision\n- Weekly report\\: Launch \\*\\*notes\\*\\*")
    assert "- Triage\\: Bug: approve or reject it in Notion Agent" in text and "- and 19 more" in text
    assert day_plan.decisions([], 0).endswith("## Waiting for a decision\nNothing.")
