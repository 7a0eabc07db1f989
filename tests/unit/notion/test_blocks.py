"""Rich text splitting and append batches (pure); Markdown: tests/unit/notion/test_markdown.py."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.notion.domain.blocks import MAX_TEXT, Span, batches, rich_text, split_text, text_blocks, utf16_len


def content(items: list[dict[str, Any]]) -> str:
    return "".join(item["text"]["content"] for item in items)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=7000), st.integers(min_value=2, max_value=2500))
def test_split_text_is_lossless_and_every_piece_fits_in_utf16_units(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < utf16_len(p) <= limit for p in pieces)


def test_an_emoji_is_never_cut_in_two_and_counts_twice() -> None:
    text = "a" + "😀" * 1000  # 2,001 UTF-16 units
    pieces = split_text(text)
    assert pieces == ["a" + "😀" * 999, "😀"]


def test_rich_text_keeps_annotations_and_links_across_splits() -> None:
    items = rich_text([Span("x" * 4500, bold=True, link="https://example.com")])
    assert [len(i["text"]["content"]) for i in items] == [2000, 2000, 500]
    assert all(i["annotations"] == {"bold": True} for i in items)
    assert all(i["text"]["link"] == {"url": "https://example.com"} for i in items)


def test_text_beyond_100_rich_text_items_becomes_several_blocks() -> None:
    blocks = text_blocks("paragraph", "y" * (MAX_TEXT * 150))
    assert [len(b["paragraph"]["rich_text"]) for b in blocks] == [100, 50]
    assert "".join(content(b["paragraph"]["rich_text"]) for b in blocks) == "y" * (MAX_TEXT * 150)


def test_batches_of_at_most_100_in_order() -> None:
    blocks = [{"n": i} for i in range(250)]
    parts = list(batches(blocks))
    assert [len(p) for p in parts] == [100, 100, 50]
    assert [b for part in parts for b in part] == blocks
