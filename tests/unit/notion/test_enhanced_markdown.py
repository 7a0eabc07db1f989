"""Notion's enhanced Markdown read as the plain Markdown the index and the model take
(``notion_markdown.from_enhanced``, ``page_content``), on the forms Notion's "Enhanced markdown
format" guide documents; and the sandbox's 2026-03-11 shaping of answers (``versions.shape``)."""

from local.notion_sandbox import versions
from shared.notion.domain.notion_markdown import from_enhanced, page_content


def test_tags_and_attributes_go_their_text_stays() -> None:
    enhanced = "\n".join(
        [
            "# Pricing",
            '## Outcome {color="blue"}',
            '- tiers {color="red_bg"}',
            "\t- nested detail",
            '::: callout {icon="💡" color="gray_bg"}',
            "Mind the tiers",
            ":::",
            '<callout icon="⚠️">',
            "\tOld callout form",
            "</callout>",
            "<empty-block/>",
            '<details color="green">',
            "<summary>More</summary>",
            "\thidden",
            "</details>",
            '<page url="https://www.notion.so/abc">Sub page</page>',
            '<database url="https://www.notion.so/def">Tasks</database>',
            '<unknown url="https://www.notion.so/123" alt="bookmark"/>',
            "<table>",
            "\t<tr><td>Tier</td><td>Price</td></tr>",
            "</table>",
        ]
    )
    assert from_enhanced(enhanced, "Pricing").splitlines() == [
        "## Outcome",
        "- tiers",
        "  - nested detail",
        "Mind the tiers",
        "  Old callout form",
        "<details>",
        "<summary>More</summary>",
        "  hidden",
        "</details>",
        "Page: Sub page",
        "Database: Tasks",
        "",
        "| Tier | Price |",
    ]


def test_a_truncated_or_long_page_says_why_it_was_cut() -> None:
    answer = {"markdown": "a\n" * 10, "truncated": True, "unknown_block_ids": ["x", "y"]}
    content, cut = page_content(answer, "", 1000)
    assert content.count("a") == 10 and cut.startswith("Notion left out 2 blocks")
    content, cut = page_content({"markdown": "word " * 100, "truncated": False}, "", 50)
    assert len(content) == 50 and cut == "more than 50 characters"
    assert page_content({"markdown": "whole\n", "truncated": False}, "", 50) == ("whole\n", "")


def test_2026_03_11_answers_lose_archived_and_name_meeting_notes() -> None:
    block = {"object": "block", "id": "b", "type": "transcription", "transcription": {}, "archived": False}
    page = {"object": "page", "id": "p", "archived": False, "in_trash": False, "properties": {"archived": {}}}
    listing = {"object": "list", "results": [block, page]}
    shaped = versions.shape("2026-03-11", listing)
    assert shaped["results"][0] == {
        "object": "block",
        "id": "b",
        "type": "meeting_notes",
        "meeting_notes": {},
    }
    assert shaped["results"][1] == {
        "object": "page",
        "id": "p",
        "in_trash": False,
        "properties": {"archived": {}},
    }
    assert versions.shape("2025-09-03", listing) == listing  # as stored: both fields, the old type
