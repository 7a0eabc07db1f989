"""Markdown written by the tools into the Notion sandbox over real HTTP (notion-client underneath):
every request body checked against the SDK's request types and every response against its response
types (local.notion_sandbox.contract), the text found again in order when read back; a section
written again replaces its earlier copy; search_pages finds pages by title."""

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from notion_client import Client
from notion_client.client import ClientOptions

from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.contract import validate
from local.notion_sandbox.testing import Admin
from shared.notify.domain.provenance import Mark, key_of_url
from shared.notion.adapters.notion import NOTION_VERSION, NotionApi
from shared.notion.domain.markdown import MAX_NESTING, markdown_to_blocks
from shared.notion.services import notion_text as nt
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.errors import ModelFixableError
from shared.tools.base import ToolContext
from shared.tools.notion_read import SearchPagesArgs, search_pages
from shared.tools.notion_write import (
    AddCommentArgs,
    AppendBlocksArgs,
    CreatePageArgs,
    add_comment,
    append_blocks,
    create_page,
)
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

pytestmark = pytest.mark.integration
TOKEN = "ntn_sandbox_demo"
IDS = seed_ids("demo")
WORD = re.compile(r"[a-z]+")


class Calls:
    """Every request the client sent and the answer it got: (method, path, body, status, answer)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any, int, Any]] = []

    def response(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, body, response.status_code, response.json()))


@pytest.fixture(scope="module")
def calls() -> Calls:
    return Calls()


@pytest.fixture(scope="module")
def notion(running_sandbox: SandboxServer, calls: Calls) -> NotionForTenant:
    http = httpx.Client(event_hooks={"response": [calls.response]})
    options = ClientOptions(
        base_url=running_sandbox.url, timeout_ms=10_000, notion_version=NOTION_VERSION, retry=False
    )
    api = NotionApi(Client(options=options, client=http), max_inline_wait_s=1.0, rate_per_s=1000, burst=1000)
    return NotionForTenant(api, lambda operation: operation(TOKEN))


def context(notion: NotionForTenant, key: str) -> ToolContext:
    return ToolContext("t1", "r1", 1, key, notion, FakeModel(), FakeQueue(), prompt=lambda text: text)


def new_page(notion: NotionForTenant, title: str = "Scratch") -> str:
    page = notion.create_page({"page_id": IDS["home_page"]}, {"title": {"title": nt.rich(title)}})
    return str(page["id"])


def depth(blocks: list[dict[str, Any]]) -> int:
    inner = [depth(b[b["type"]].get("children", [])) + 1 for b in blocks if b[b["type"]].get("children")]
    return max(inner, default=0)


def conforming(calls: Calls) -> None:
    """Every write request's body against the SDK's request types and Notion's limits, and every
    answer against its response type; then forgets them."""
    for method, path, body, status, answer in calls.seen:
        assert status == 200, (method, path, answer)
        if method == "PATCH" and path.endswith("/children"):
            assert validate("request PATCH /v1/blocks/{block_id}/children", body) == []
            assert len(body["children"]) <= 100 and depth(body["children"]) <= MAX_NESTING
            assert validate("PATCH /v1/blocks/{block_id}/children", answer) == []
        elif method == "GET" and path.endswith("/children"):
            assert validate("GET /v1/blocks/{block_id}/children", answer) == []
        elif method == "POST" and path.endswith("/comments"):
            assert validate("request POST /v1/comments", {"rich_text": body["rich_text"]}) == []
            assert validate("POST /v1/comments", answer) == []
    calls.seen.clear()


def text_of(block: dict[str, Any]) -> str:
    body = block[block["type"]]
    if block["type"] == "table_row":
        return " ".join(nt.plain(cell) for cell in body["cells"])
    return nt.plain(body.get("rich_text"))


def read_back(notion: NotionForTenant, block_id: str) -> list[str]:
    """The text of every block under ``block_id``, depth first, as Notion lists it."""
    out: list[str] = []
    for block in notion.list_children(block_id):
        out.append(text_of(block))
        if block["has_children"]:
            out += read_back(notion, block["id"])
    return out


def in_order(words: list[str], text: str) -> bool:
    found = iter(WORD.findall(text))
    return all(word in found for word in words)


# --- random Markdown, built with the words it holds ---------------------------------------------

words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9), min_size=1, max_size=6
)
Piece = tuple[str, list[str]]  # Markdown and the words of its text, in order


@st.composite
def inline(draw: st.DrawFn) -> Piece:
    said = draw(words)
    style = draw(st.sampled_from(["", "**", "*", "~~", "`", "link"]))
    if style == "link":
        return f"[{' '.join(said)}](https://example.com/{said[0]})", said
    return f"{style}{' '.join(said)}{style}", said


def line(draw: st.DrawFn) -> Piece:
    parts = draw(st.lists(inline(), min_size=1, max_size=3))
    return " ".join(p for p, _ in parts), [w for _, ws in parts for w in ws]


@st.composite
def items(draw: st.DrawFn, level: int = 0) -> Piece:
    """A list, items nested down to ``level`` 5 (deeper than one request carries)."""
    marker = draw(st.sampled_from(["-", "1.", "- [ ]", "- [x]"]))
    out, said = [], []
    for _ in range(draw(st.integers(1, 3))):
        text, ws = line(draw)
        out.append(f"{'    ' * level}{marker} {text}")
        said += ws
        if level < 5 and draw(st.booleans()):
            inner, more = draw(items(level + 1))
            out.append(inner)
            said += more
    return "\n".join(out), said


@st.composite
def block(draw: st.DrawFn) -> Piece:
    kind = draw(
        st.sampled_from(["p", "h", "list", "code", "quote", "callout", "toggle", "table", "hr", "long"])
    )
    text, said = line(draw)
    if kind == "h":
        return f"{'#' * draw(st.integers(1, 4))} {text}", said
    if kind == "list":
        return draw(items())
    if kind == "code":
        language = draw(st.sampled_from(["py", "typescript", "sh", "", "unknownlang"]))
        return f"```{language}\n{' '.join(said)}\n```", said
    if kind == "quote":
        return f"> {text}", said
    if kind == "callout":
        return f"> [!{draw(st.sampled_from(['NOTE', 'TIP', 'WARNING']))}]\n> {text}", said
    if kind == "toggle":
        inner, more = draw(items())
        return f"<details>\n<summary>{text}</summary>\n\n{inner}\n\n</details>", said + more
    if kind == "table":
        rows = draw(st.lists(words, min_size=1, max_size=4))
        width = max(len(r) for r in rows)
        head = "| " + " | ".join(f"c{'x' * i}" for i in range(width)) + " |"
        body = ["| " + " | ".join(r) + " |" for r in rows]
        header = [w for i in range(width) for w in WORD.findall(f"c{'x' * i}")]
        return "\n".join([head, "|" + "---|" * width, *body]), header + [w for r in rows for w in r]
    if kind == "hr":
        return "---", []
    long = draw(st.sampled_from(["a" * 2500, "b" * 4100]))
    return f"{text} {long}", [*said, long]


@st.composite
def documents(draw: st.DrawFn) -> Piece:
    parts = draw(st.lists(block(), min_size=1, max_size=8))
    if draw(st.integers(0, 4)) == 0:  # past one request's 100 blocks
        parts.append(("\n".join(f"- many {i}" for i in range(120)), ["many"] * 120))
    return "\n\n".join(p for p, _ in parts), [w for _, ws in parts for w in ws]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(documents())
def test_random_markdown_is_written_within_the_contract_and_found_again(
    notion: NotionForTenant, calls: Calls, document: Piece
) -> None:
    markdown, said = document
    assume(not nt.too_many_requests(markdown))  # past one call's requests: refused (tested apart)
    page = new_page(notion)
    calls.seen.clear()
    out = append_blocks(context(notion, "k-prop:1:1"), AppendBlocksArgs(page_id=page, text=markdown))
    conforming(calls)
    back = read_back(notion, page)
    conforming(calls)
    assert back[0] == "Notion Agent" and signatures(notion, page) == [Mark("k-prop:1:1")]  # completed, first
    assert in_order(said, "\n".join(back)), (markdown, back)
    assert out["blocks"] == len(markdown_to_blocks(markdown)) + 1  # the top-level blocks and the marker


# --- one copy ----------------------------------------------------------------------------------

SECTION = "## Status\n\n- one\n    - two\n        - three\n            - four\n\n" + "\n".join(
    f"1. step {i}" for i in range(150)
)


def tops(notion: NotionForTenant, page: str) -> list[str]:
    return [text_of(b) for b in notion.list_children(page)]


def signatures(notion: NotionForTenant, page: str) -> list[Mark]:
    """The signatures among the page's top-level blocks, as read back: the key is in the link."""
    return [m for b in notion.list_children(page) if (m := nt.mark(b)) is not None]


def test_writing_a_section_again_replaces_it(notion: NotionForTenant, calls: Calls) -> None:
    page = new_page(notion)
    ctx = context(notion, "k-again:2:1")
    args = AppendBlocksArgs(page_id=page, text=SECTION)
    append_blocks(ctx, args)
    first = tops(notion, page)
    append_blocks(ctx, args)
    assert tops(notion, page) == first
    assert first.count("Notion Agent") == 1 and first.count("step 149") == 1
    assert signatures(notion, page) == [Mark("k-again:2:1")]
    assert "four" in read_back(notion, page)
    conforming(calls)


def test_a_retry_after_a_partial_write_leaves_one_complete_copy_and_others_blocks(
    notion: NotionForTenant, running_sandbox: SandboxServer
) -> None:
    page = new_page(notion)
    ctx = context(notion, "k-partial:3:1")
    notion.append_blocks(page, nt.section(ctx.signature(), SECTION)[0].children)  # the first request, a crash
    assert "Notion Agent (writing)" in tops(notion, page)
    assert signatures(notion, page) == [Mark(ctx.key, writing=True)]
    act = {"method": "PATCH", "path": f"/v1/blocks/{page}/children", "user_id": IDS["owner"]}
    person = [{"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": "a person's note"}}]}}]
    Admin(running_sandbox.url).post("/workspaces/demo/act", {**act, "body": {"children": person}})
    append_blocks(ctx, AppendBlocksArgs(page_id=page, text=SECTION))
    after = tops(notion, page)
    assert after[0] == "a person's note"  # kept: another author's block ends the section
    assert after[1] == "Notion Agent" and after.count("step 0") == 1 and after[-1] == "step 149"
    assert signatures(notion, page) == [Mark(ctx.key)]
    assert not any(t.endswith("(writing)") for t in after)


def test_a_page_left_half_written_is_completed_not_created_twice(notion: NotionForTenant) -> None:
    ctx = context(notion, "k-page:4:1")
    args = CreatePageArgs(title="Half written", parent_page_id=IDS["home_page"], content=SECTION)
    first = nt.section(ctx.signature(), SECTION)[0].children
    half = notion.create_page(
        {"page_id": IDS["home_page"]}, {"title": {"title": nt.rich("Half written")}}, first
    )
    out = create_page(ctx, args)
    assert out["page_id"] == half["id"]
    text = tops(notion, half["id"])
    assert text[0] == "Notion Agent" and text.count("step 149") == 1
    assert signatures(notion, half["id"]) == [Mark(ctx.key)]
    found = [p for p in notion.search("Half written") if nt.title_of(p) == "Half written"]
    assert len(found) == 1


def test_a_comment_carries_inline_markdown_and_its_signature(notion: NotionForTenant, calls: Calls) -> None:
    page = new_page(notion)
    ctx = context(notion, "k-comment:5:1")
    add_comment(ctx, AddCommentArgs(page_id=page, text="**Done**, see `x`"))
    [comment] = notion.list_comments(page)
    items = comment["rich_text"]
    assert nt.plain(items) == "Done, see x\nNotion Agent"  # no id a person reads
    assert items[-1]["href"] == ctx.signature() and key_of_url(items[-1]["href"]) == "k-comment:5:1"
    assert items[0]["annotations"]["bold"] and items[2]["annotations"]["code"]
    conforming(calls)


def test_search_pages_finds_pages_by_title_bounded(notion: NotionForTenant) -> None:
    made = [new_page(notion, f"Quarterly review {i}") for i in range(3)]
    found = search_pages(context(notion, "k-search:6:1"), SearchPagesArgs(query="Quarterly review", limit=2))
    assert len(found["results"]) == 2 and {r["id"] for r in found["results"]} <= set(made)
    assert all(r["title"].startswith("Quarterly review") and r["url"] for r in found["results"])
    everything = search_pages(context(notion, "k-search:6:2"), SearchPagesArgs(query="Quarterly review"))
    assert {r["id"] for r in everything["results"]} == set(made)
    assert not any(r["id"] == IDS["tasks_data_source"] for r in everything["results"])


def test_the_sandbox_refuses_what_notion_refuses_in_one_append(notion: NotionForTenant) -> None:
    page = new_page(notion)
    deep = markdown_to_blocks("- a\n    - b\n        - c\n            - d")  # three levels of children
    table = markdown_to_blocks("| a | b |\n|---|---|\n| 1 | 2 |")[0]
    no_rows = {"type": "table", "table": {**table["table"], "children": []}}
    row = table["table"]["children"][0]
    for blocks, says in (
        (deep, "children should be not present"),
        ([no_rows], "table.children should be defined"),
        ([row], "should be a table_row under a table only"),
    ):
        with pytest.raises(ModelFixableError, match=says):
            notion.append_blocks(page, blocks)
    [made] = notion.append_blocks(page, [table])
    with pytest.raises(ModelFixableError, match=re.escape("cells.length should be `2`")):
        notion.append_blocks(made["id"], [{"type": "table_row", "table_row": {"cells": [[]]}}])
