"""Rich text splitting, append batches and markdown → blocks (pure)."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.blocks import MAX_TEXT, Span, batches, rich_text, split_text, text_blocks, utf16_len
from shared.domain.markdown import markdown_to_blocks, parse_inline


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


def test_inline_formatting() -> None:
    spans = parse_inline("a **b** *c* _d_ snake_case `e` ~~f~~ [g](https://h.io)")
    marked = [(s.text, s.bold, s.italic, s.code, s.strikethrough, s.link) for s in spans if s.text.strip()]
    assert ("b", True, False, False, False, None) in marked
    assert ("c", False, True, False, False, None) in marked
    assert ("d", False, True, False, False, None) in marked
    assert ("e", False, False, True, False, None) in marked
    assert ("f", False, False, False, True, None) in marked
    assert ("g", False, False, False, False, "https://h.io") in marked
    assert "".join(s.text for s in spans).count("snake_case") == 1


MARKDOWN = """# Weekly plan
Intro line one
line two

## Tasks
- [ ] write the report
- [x] send invoices
- parent
  - child
    - grandchild
      - too deep
1. first
2. second

> a quote
> [!WARNING] mind the budget

---
```py
print("hi")
```
<details>
<summary>Notes</summary>
hidden text
</details>
### Small
"""


def shape(blocks: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        kind = block["type"]
        body = block[kind]
        entry: list[Any] = [kind, content(body.get("rich_text", []))]
        if body.get("children"):
            entry.append(shape(body["children"]))
        out.append(entry)
    return out


def test_markdown_to_blocks_covers_every_kind() -> None:
    blocks = markdown_to_blocks(MARKDOWN)
    assert shape(blocks) == [
        ["heading_1", "Weekly plan"],
        ["paragraph", "Intro line one\nline two"],
        ["heading_2", "Tasks"],
        ["to_do", "write the report"],
        ["to_do", "send invoices"],
        ["bulleted_list_item", "parent", [["bulleted_list_item", "child", [
            ["bulleted_list_item", "grandchild"], ["bulleted_list_item", "too deep"]]]]],
        ["numbered_list_item", "first"],
        ["numbered_list_item", "second"],
        ["quote", "a quote"],
        ["callout", "mind the budget"],
        ["divider", ""],
        ["code", 'print("hi")'],
        ["toggle", "Notes", [["paragraph", "hidden text"]]],
        ["heading_3", "Small"],
    ]  # fmt: skip
    todo = [b["to_do"]["checked"] for b in blocks if b["type"] == "to_do"]
    assert todo == [False, True]
    code = next(b for b in blocks if b["type"] == "code")
    assert code["code"]["language"] == "python"
    callout = next(b for b in blocks if b["type"] == "callout")
    assert callout["callout"]["icon"] == {"type": "emoji", "emoji": "⚠️"}


def test_long_code_is_split_but_kept_whole() -> None:
    source = "\n".join(f"line {i} " + "x" * 60 for i in range(200))
    blocks = markdown_to_blocks(f"```python\n{source}\n```")
    assert len(blocks) == 1 and content(blocks[0]["code"]["rich_text"]) == source
    assert all(len(i["text"]["content"]) <= MAX_TEXT for i in blocks[0]["code"]["rich_text"])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #->*`_[]()!\n1.x~\t")), max_size=400))
def test_any_markdown_gives_valid_blocks(markdown: str) -> None:
    def check(blocks: list[dict[str, Any]], depth: int) -> None:
        assert depth <= 2
        for block in blocks:
            body = block[block["type"]]
            assert len(body.get("rich_text", [])) <= 100
            assert all(utf16_len(i["text"]["content"]) <= MAX_TEXT for i in body.get("rich_text", []))
            check(body.get("children", []), depth + 1)

    check(markdown_to_blocks(markdown), 0)
