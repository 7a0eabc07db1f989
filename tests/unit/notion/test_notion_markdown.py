"""Blocks as read become Markdown: every type the converter writes comes back as Markdown that it
turns into the same blocks; the other types Notion returns each have a readable line."""

import copy
from typing import Any

import pytest

from shared.notion.domain.markdown import markdown_to_blocks
from shared.notion.domain.notion_markdown import blocks_to_markdown, properties_markdown, property_text

WRITABLE = [
    "A plain paragraph.",
    "# Title\n\n## Section\n\n### Sub",
    "Some **bold**, *italic*, ~~gone~~, `code` and a [link](https://example.com/a).",
    "- one\n- two\n  - nested\n    - deeper\n- three",
    "1. first\n2. second\n   1. inner",
    "- [ ] open\n- [x] done",
    "```python\nprint('hi')\n```",
    "```\nplain ``` text\n```",
    "> quoted words\n>\n> more",
    "> [!WARNING] careful here",
    "<details><summary>More</summary>\n\nhidden text\n\n</details>",
    "---",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Stars * and under_scores and [brackets] stay text.",
    "# Plan\n\nIntro.\n\n- item with **bold**\n\n```sql\nselect 1\n```\n\n> [!NOTE] note\n\n| x |\n|---|\n| y |",
]


def as_read(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request blocks as a read returns them: rich text items gain ``plain_text``."""
    blocks = copy.deepcopy(blocks)

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "text" and "text" in value:
                value["plain_text"] = value["text"]["content"]
            for inner in value.values():
                visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(blocks)
    return blocks


@pytest.mark.parametrize("markdown", WRITABLE)
def test_writable_blocks_round_trip(markdown: str) -> None:
    blocks = markdown_to_blocks(markdown)
    again = markdown_to_blocks(blocks_to_markdown(as_read(blocks)))
    assert again == blocks


def block(kind: str, **body: Any) -> dict[str, Any]:
    return {"object": "block", "type": kind, kind: body}


def text(words: str) -> list[dict[str, Any]]:
    return [{"type": "text", "plain_text": words, "text": {"content": words}}]


def test_types_the_converter_cannot_write_still_read() -> None:
    blocks = [
        block("child_page", title="Meeting notes"),
        block("child_database", title="Tasks"),
        block("image", type="external", external={"url": "https://x/i.png"}, caption=text("A chart")),
        block("bookmark", url="https://example.com", caption=[]),
        block("equation", expression="e=mc^2"),
        block(
            "column_list", children=[block("column", children=[block("paragraph", rich_text=text("left"))])]
        ),
        block("synced_block", synced_from=None, children=[block("paragraph", rich_text=text("synced"))]),
        block("table_of_contents"),
        block("link_to_page", type="page_id", page_id="p1"),
        block("unsupported"),
    ]
    markdown = blocks_to_markdown(blocks)
    for expected in (
        "Page: Meeting notes",
        "Database: Tasks",
        "![A chart](https://x/i.png)",
        "(https://example.com)",
        "e=mc^2",
        "left",
        "synced",
        "Link to page p1",
        "unsupported",
    ):
        assert expected in markdown


def test_properties_read_as_lines() -> None:
    page = {
        "properties": {
            "Name": {"type": "title", "title": text("Pricing")},
            "Status": {"type": "status", "status": {"name": "Decided"}},
            "Tags": {"type": "multi_select", "multi_select": [{"name": "a"}, {"name": "b"}]},
            "Due": {"type": "date", "date": {"start": "2026-01-02", "end": None}},
            "Price": {"type": "number", "number": 12.5},
            "Done": {"type": "checkbox", "checkbox": True},
            "Score": {"type": "formula", "formula": {"type": "number", "number": 3}},
            "Empty": {"type": "rich_text", "rich_text": []},
        }
    }
    assert properties_markdown(page) == (
        "- Status: Decided\n- Tags: a, b\n- Due: 2026-01-02\n- Price: 12.5\n- Done: yes\n- Score: 3\n"
    )
    assert property_text({"type": "people", "people": [{"id": "u1", "name": "Ada"}]}) == "Ada"
