"""The Markdown converter (shared.notion.domain.markdown): each construct, and each of Notion's limits."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from local.notion_sandbox.contract import load_contract
from shared.notify.domain.provenance import marker_url, signature_line
from shared.notion.domain.blocks import MAX_TEXT, utf16_len
from shared.notion.domain.markdown import (
    CODE_LANGUAGES,
    MAX_NESTING,
    Append,
    code_language,
    comment_rich_text,
    count_blocks,
    inline_rich_text,
    inline_spans,
    markdown_to_blocks,
    plan_appends,
)


def content(items: list[dict[str, Any]]) -> str:
    return "".join(item["text"]["content"] for item in items)


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


MARKDOWN = """# Weekly plan
Intro line one
line two

## Tasks
- [ ] write the report
- [x] send invoices
- parent
  - child
    - grandchild
      - deeper still
1. first
2. second

> a quote

> [!WARNING]
> mind the budget

---
```py
print("hi")
```

<details>
<summary>Notes</summary>

hidden text
</details>

#### Small
"""


def test_every_construct_becomes_its_block() -> None:
    blocks = markdown_to_blocks(MARKDOWN)
    assert shape(blocks) == [
        ["heading_1", "Weekly plan"],
        ["paragraph", "Intro line one\nline two"],
        ["heading_2", "Tasks"],
        ["to_do", "write the report"],
        ["to_do", "send invoices"],
        ["bulleted_list_item", "parent", [["bulleted_list_item", "child", [
            ["bulleted_list_item", "grandchild", [["bulleted_list_item", "deeper still"]]]]]]],
        ["numbered_list_item", "first"],
        ["numbered_list_item", "second"],
        ["quote", "a quote"],
        ["callout", "mind the budget"],
        ["divider", ""],
        ["code", 'print("hi")'],
        ["toggle", "Notes", [["paragraph", "hidden text"]]],
        ["heading_3", "Small"],
    ]  # fmt: skip
    assert [b["to_do"]["checked"] for b in blocks if b["type"] == "to_do"] == [False, True]
    code = next(b for b in blocks if b["type"] == "code")
    assert code["code"]["language"] == "python"
    callout = next(b for b in blocks if b["type"] == "callout")
    assert callout["callout"]["icon"] == {"type": "emoji", "emoji": "⚠️"}


def test_inline_formatting() -> None:
    spans = inline_spans("a **b** *c* _d_ snake_case `e` ~~f~~ [g](https://h.io) [rel](/x) ***bi***")
    marked = [(s.text, s.bold, s.italic, s.code, s.strikethrough, s.link) for s in spans if s.text.strip()]
    assert ("b", True, False, False, False, None) in marked
    assert ("c", False, True, False, False, None) in marked
    assert ("d", False, True, False, False, None) in marked
    assert ("e", False, False, True, False, None) in marked
    assert ("f", False, False, False, True, None) in marked
    assert ("g", False, False, False, False, "https://h.io") in marked
    assert ("bi", True, True, False, False, None) in marked
    assert ("rel", False, False, False, False, None) in marked  # Notion takes absolute URLs only
    assert "".join(s.text for s in spans).count("snake_case") == 1


def test_a_table_has_its_width_header_and_rows() -> None:
    [table] = markdown_to_blocks("| a | **b** |\n|---|---|\n| 1 |\n| 3 | 4 |\n")
    body = table["table"]
    assert (body["table_width"], body["has_column_header"]) == (2, True)
    cells = [[content(c) for c in row["table_row"]["cells"]] for row in body["children"]]
    assert cells == [["a", "b"], ["1", ""], ["3", "4"]]


def test_code_languages_are_notions_names() -> None:
    assert [code_language(n) for n in ("py", "TypeScript", "yml", "c++", "brainfuck", "")] == [
        "python", "typescript", "yaml", "c++", "plain text", "plain text",
    ]  # fmt: skip


def test_rich_text_items_stay_within_2000_units_and_100_per_block() -> None:
    long = "😀" * 1500 + "x" * (MAX_TEXT * 120)
    blocks = markdown_to_blocks(long)
    assert all(len(b["paragraph"]["rich_text"]) <= 100 for b in blocks) and len(blocks) == 2
    items = [i for b in blocks for i in b["paragraph"]["rich_text"]]
    assert all(utf16_len(i["text"]["content"]) <= MAX_TEXT for i in items)
    assert content(items) == long


def test_a_comment_keeps_its_signature_line_whole_its_key_in_the_link() -> None:
    url = marker_url("https://console.example", "ab-r_1_:2:1", "r_1_")
    items = comment_rich_text(f"**Done**: see _notes_\n{signature_line(url)}")
    assert content(items).endswith("\nNotion Agent") and "ref" not in content(items)
    assert items[-1]["text"]["link"] == {"url": url} and items[-1]["annotations"] == {"italic": True}
    assert items[0]["annotations"] == {"bold": True}
    assert len(comment_rich_text("*a* " * 400)) <= 100
    crowded = comment_rich_text("*a* " * 400 + "\n" + signature_line(url))  # the body cut, never the link
    assert len(crowded) == 100 and crowded[-1]["text"]["link"] == {"url": url}
    assert content(inline_rich_text("a\nb")) == "a\nb"


def rebuilt(appends: list[Append]) -> list[dict[str, Any]]:
    """The tree the requests build when run in order (as Notion would), each request checked."""
    roots: list[dict[str, Any]] = []
    handles: dict[int, list[dict[str, Any]]] = {-1: roots}
    for append in appends:
        assert count_blocks(append.children) <= 100 and depth(append.children) <= MAX_NESTING
        for block in append.children:
            if block["type"] == "table":
                assert block["table"]["children"], "a table is created with its rows"
        handles[append.parent].extend(append.children)
        for handle, path in append.handles:
            node = append.children[path[0]]
            for index in path[1:]:
                node = node[node["type"]]["children"][index]
            handles[handle] = node[node["type"]].setdefault("children", [])
    return roots


def depth(blocks: list[dict[str, Any]]) -> int:
    inner = [depth(b[b["type"]].get("children", [])) + 1 for b in blocks if b[b["type"]].get("children")]
    return max(inner, default=0)


def test_requests_keep_100_blocks_and_two_levels_and_rebuild_the_tree() -> None:
    nested = "\n".join("  " * i + f"- level {i}" for i in range(7))
    table = "| h |\n|---|\n" + "".join(f"| r{i} |\n" for i in range(250))
    many = "\n\n".join(f"para {i}" for i in range(230))
    for markdown in (nested, table, many, f"- item\n\n  {table}", nested + "\n\n" + many):
        blocks = markdown_to_blocks(markdown)
        appends = plan_appends(blocks)
        assert rebuilt(appends) == blocks
    assert len(plan_appends(markdown_to_blocks(many))) == 3
    assert len(plan_appends(markdown_to_blocks(nested))) == 3  # levels 0-2, 3-5, 6


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #->*`_[]()!\n1.x~\t|")), max_size=600), st.integers(3, 100))
def test_any_markdown_gives_requests_within_the_limits(markdown: str, budget: int) -> None:
    blocks = markdown_to_blocks(markdown)
    assert rebuilt(plan_appends(blocks, budget)) == blocks


def test_the_code_languages_are_those_of_notions_published_request_type() -> None:
    assert set(load_contract()["definitions"]["LanguageRequest"]["enum"]) == CODE_LANGUAGES
