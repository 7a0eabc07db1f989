"""Notion-Version 2026-03-11 and the Markdown endpoint, the sandbox against Notion's documented
shapes and the agent's adapter against the sandbox (decision 0090).

What Notion documents and the sandbox holds: ``GET /v1/pages/{page_id}/markdown`` answers a
``page_markdown`` object (@notionhq/client's ``PageMarkdownResponse``), cut at about 20,000 records
with the rest as ``<unknown .../>`` tags and their ids; 2026-03-11 answers carry ``in_trash`` and no
``archived``, refuse ``archived`` and append's ``after`` in a body, take append's ``position``; a
version Notion does not know is a 400 naming the ones it does. The adapter reads through the same
endpoint over HTTP (notion-client) and gets what the sandbox answered.
"""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import Client
from notion_client.client import ClientOptions

from local.notion_sandbox import SandboxServer, markdown, seed_ids
from local.notion_sandbox.contract import validate
from local.notion_sandbox.testing import Admin, WebhookReceiver
from shared.notion.adapters.notion import NOTION_VERSION, NotionApi
from shared.notion.services.notion_access import NotionForTenant
from shared.notion.services.page_read import read_loaded
from shared.tools.base import ToolContext
from shared.tools.notion_read import ReadPageArgs, read_page
from tests.support.notion.notion_http import TOKEN, call
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

DEMO = seed_ids("demo")


def notion(server: SandboxServer) -> NotionForTenant:
    options = ClientOptions(
        base_url=server.url, timeout_ms=10_000, notion_version=NOTION_VERSION, retry=False
    )
    api = NotionApi(Client(options=options), max_inline_wait_s=1.0, rate_per_s=1000, burst=1000)
    return NotionForTenant(api, lambda operation: operation(TOKEN))


def text(content: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": content}}]


def a_page(server: SandboxServer) -> str:
    """A page with a heading, a nested list, a toggle holding a paragraph, a to-do and a table."""
    body = {"parent": {"page_id": DEMO["home_page"]}, "properties": {"title": {"title": text("Pricing")}}}
    status, page = call(server, "POST", "/v1/pages", body)
    assert status == 200, page
    children = [
        {"heading_2": {"rich_text": text("Outcome")}},
        {"bulleted_list_item": {"rich_text": text("tiers"), "children": [{"bulleted_list_item": {"rich_text": text("nested detail")}}]}},
        {"toggle": {"rich_text": text("More"), "children": [{"paragraph": {"rich_text": text("hidden *line*")}}]}},
        {"to_do": {"rich_text": text("ship it"), "checked": True}},
        {"table": {"table_width": 2, "has_column_header": True, "children": [
            {"table_row": {"cells": [text("Tier"), text("Price")]}},
            {"table_row": {"cells": [text("Pro"), text("10")]}},
        ]}},
    ]  # fmt: skip
    status, appended = call(server, "PATCH", f"/v1/blocks/{page['id']}/children", {"children": children})
    assert status == 200, appended
    return str(page["id"])


def test_the_markdown_endpoint_answers_notions_documented_shape(server: SandboxServer) -> None:
    page = a_page(server)
    status, answer = call(server, "GET", f"/v1/pages/{page}/markdown")
    assert status == 200 and validate("GET /v1/pages/{page_id}/markdown", answer) == [], answer
    assert (
        answer["object"] == "page_markdown"
        and answer["truncated"] is False
        and answer["unknown_block_ids"] == []
    )
    assert answer["markdown"].splitlines() == [
        "## Outcome",
        "- tiers",
        "\t- nested detail",
        "<details>",
        "<summary>More</summary>",
        "\thidden \\*line\\*",
        "</details>",
        "- [x] ship it",
        "<table>",
        "\t<tr><td>Tier</td><td>Price</td></tr>",
        "\t<tr><td>Pro</td><td>10</td></tr>",
        "</table>",
    ]
    _, blocks = call(server, "GET", f"/v1/blocks/{page}/children")
    toggle = blocks["results"][2]["id"]
    status, subtree = call(server, "GET", f"/v1/pages/{toggle}/markdown")  # a block's id: its subtree
    assert status == 200 and subtree["markdown"].splitlines()[1:3] == [
        "<summary>More</summary>",
        "\thidden \\*line\\*",
    ]
    status, missing = call(server, "GET", f"/v1/pages/{DEMO['owner']}/markdown")
    assert status == 404 and missing["code"] == "object_not_found" and validate("error", missing) == []


def test_a_page_past_the_record_limit_is_truncated_with_the_ids_left_out(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = a_page(server)
    monkeypatch.setattr(markdown, "RECORD_LIMIT", 4)  # Notion's is about 20,000 records
    status, answer = call(server, "GET", f"/v1/pages/{page}/markdown")
    assert status == 200 and validate("GET /v1/pages/{page_id}/markdown", answer) == []
    # left out: the toggle's paragraph, the to-do, the table
    assert answer["truncated"] is True and len(answer["unknown_block_ids"]) == 3
    assert answer["markdown"].count("<unknown url=") == 3
    status, rest = call(server, "GET", f"/v1/pages/{answer['unknown_block_ids'][1]}/markdown")
    assert status == 200 and rest["markdown"] == "- [x] ship it\n"
    read = read_loaded(notion(server), call(server, "GET", f"/v1/pages/{page}")[1])
    assert read.cut_short.startswith("Notion left out 3 blocks") and "unknown" not in read.markdown


def test_the_adapter_reads_what_the_sandbox_answers_in_one_request(server: SandboxServer) -> None:
    page = a_page(server)
    admin = Admin(server.url)
    _, answer = call(server, "GET", f"/v1/pages/{page}/markdown")
    client = notion(server)
    admin.delete("/requests")
    got = client.retrieve_markdown(page)
    assert {k: v for k, v in got.items() if k != "request_id"} == {
        k: v for k, v in answer.items() if k != "request_id"
    }
    assert [(r["method"], r["path"]) for r in admin.get("/requests")] == [
        ("GET", f"/v1/pages/{page}/markdown")
    ]
    read = read_loaded(client, client.retrieve_page(page))
    assert read.markdown.splitlines() == [
        "# Pricing",
        "",
        "## Outcome",
        "- tiers",
        "  - nested detail",
        "<details>",
        "<summary>More</summary>",
        "  hidden \\*line\\*",
        "</details>",
        "- [x] ship it",
        "| Tier | Price |",
        "| Pro | 10 |",
    ]
    ctx = ToolContext("t1", "r1", 1, "k", client, FakeModel(), FakeQueue(), prompt=lambda t: t)
    output = read_page(ctx, ReadPageArgs(page_id=page))
    assert "nested detail" in output["text"] and "hidden" in output["text"]  # nested blocks, one request


def test_2026_03_11_has_in_trash_and_no_archived(server: SandboxServer) -> None:
    page = a_page(server)
    old = [call(server, "GET", f"/v1/pages/{page}", version="2025-09-03")[1]]
    old += call(server, "GET", f"/v1/blocks/{page}/children", version="2025-09-03")[1]["results"]
    assert all("archived" in o and "in_trash" in o for o in old)
    new = [call(server, "GET", f"/v1/pages/{page}")[1]]
    new += call(server, "GET", f"/v1/blocks/{page}/children")[1]["results"]
    new += call(server, "POST", "/v1/search", {"query": ""})[1]["results"]
    new += call(server, "POST", f"/v1/data_sources/{DEMO['tasks_data_source']}/query", {})[1]["results"]
    assert new and all("archived" not in o and "in_trash" in o for o in new)
    assert validate("GET /v1/pages/{page_id}", new[0]) == []
    status, refused = call(server, "PATCH", f"/v1/pages/{page}", {"archived": True})
    assert status == 400 and refused["code"] == "validation_error" and "in_trash" in refused["message"]
    status, trashed = call(server, "PATCH", f"/v1/pages/{page}", {"in_trash": True})
    assert status == 200 and trashed["in_trash"] is True and "archived" not in trashed


def test_2026_03_11_places_appended_blocks_by_position_and_refuses_after(server: SandboxServer) -> None:
    page = a_page(server)
    _, blocks = call(server, "GET", f"/v1/blocks/{page}/children")
    first = blocks["results"][0]["id"]
    status, refused = call(server, "PATCH", f"/v1/blocks/{page}/children", {"children": [], "after": first})
    assert status == 400 and refused["code"] == "validation_error" and "position" in refused["message"]
    for position, line in (
        ({"type": "after_block", "after_block": {"id": first}}, 1),
        ({"type": "start"}, 0),
        ({"type": "end"}, -1),
    ):
        assert validate("request PATCH /v1/blocks/{block_id}/children position", position) == []
        body = {
            "children": [{"paragraph": {"rich_text": text(f"placed {position['type']}")}}],
            "position": position,
        }
        status, appended = call(server, "PATCH", f"/v1/blocks/{page}/children", body)
        assert status == 200, appended
        lines = call(server, "GET", f"/v1/pages/{page}/markdown")[1]["markdown"].splitlines()
        assert [n for n in lines if not n.startswith("\t")][line] == f"placed {position['type']}"
    assert client_places_after(server, page, first)


def client_places_after(server: SandboxServer, page: str, first: str) -> bool:
    """The adapter's ``append_blocks(after=...)`` sends 2026-03-11's ``position`` and lands there."""
    made = notion(server).append_blocks(
        page, [{"paragraph": {"rich_text": text("by the adapter")}}], after=first
    )
    _, blocks = call(server, "GET", f"/v1/blocks/{page}/children")
    ids = [b["id"] for b in blocks["results"]]
    return ids.index(made[0]["id"]) == ids.index(first) + 1


def test_an_unknown_version_is_refused_naming_the_versions_notion_accepts(server: SandboxServer) -> None:
    status, error = call(server, "GET", "/v1/users/me", version="2026-01-01")
    assert status == 400 and error["code"] == "missing_version" and validate("error", error) == []
    assert '"2025-09-03", or "2026-03-11", instead was "2026-01-01"' in error["message"]
    status, error = call(server, "GET", "/v1/users/me", version="2022-06-28")  # Notion's, not modelled
    assert status == 400 and "2025-09-03 and 2026-03-11" in error["message"]
    assert call(server, "GET", "/v1/users/me", version="2025-09-03")[0] == 200


def test_webhook_events_carry_the_subscriptions_version(server: SandboxServer) -> None:
    admin = Admin(server.url)
    with WebhookReceiver() as receiver:
        admin.post("/webhook", {"url": receiver.url})
        a_page(server)
        admin.post("/webhook/flush")
        events = [r.json() for r in receiver.events()]
    assert events and {e["api_version"] for e in events} == {NOTION_VERSION}
    for event in events:
        assert validate(f"webhook {event['type']}", event) == []
