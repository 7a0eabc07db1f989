"""Notion requests one page read costs, counted in the Notion sandbox's own request log.

A fixed set of pages is made in the sandbox's demo workspace by a person (admin ``act``: not in the
request log): a short page, a long one (250 paragraphs), a nested one (toggles four levels deep) and
a Tasks row. Each is then read the two ways the agent reads a page's text, through the Notion adapter
over HTTP: the workspace index's read (``shared.notion.services.page_read.read_loaded``, the page object in
hand from a query, as the indexer has it) and the agent's ``read_page`` tool. Requests per read are
the sandbox's log entries between the read's start and end.

``make bench-notion`` runs :func:`measure` for this tree and, as a subprocess, for the tree before
decision 0090 (git archive), against the same sandbox; ``python -m tests.perf.page_reads <url>``
prints the figures as JSON (what that subprocess runs).
"""

from __future__ import annotations

import json
import sys
from typing import Any

PARAGRAPHS = 250  # the long page: three list requests of 100 when walked
TOGGLES, LEVELS = 5, 4  # the nested page: each toggle holds a chain this deep


def _text(content: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": content}}]


def _paragraph(content: str) -> dict[str, Any]:
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": _text(content)}}


def _toggle(content: str) -> dict[str, Any]:
    return {"object": "block", "type": "toggle", "toggle": {"rich_text": _text(content)}}


class _Workspace:
    """The demo workspace acted on by a person, through the sandbox's admin API."""

    def __init__(self, url: str) -> None:
        from local.notion_sandbox.testing import Admin

        self.admin = Admin(url)

    def act(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        done = self.admin.post("/workspaces/demo/act", {"method": method, "path": path, "body": body})
        assert done["status"] == 200, done
        return dict(done["response"])

    def page(self, parent: str, title: str) -> str:
        body = {"parent": {"page_id": parent}, "properties": {"title": {"title": _text(title)}}}
        return str(self.act("POST", "/v1/pages", body)["id"])

    def append(self, block_id: str, children: list[dict[str, Any]]) -> list[str]:
        made: list[str] = []
        for start in range(0, len(children), 100):
            answer = self.act(
                "PATCH", f"/v1/blocks/{block_id}/children", {"children": children[start : start + 100]}
            )
            made.extend(str(b["id"]) for b in answer["results"])
        return made


def make_pages(url: str) -> dict[str, str]:
    """The pages read, made by a person in the demo workspace: name → page id."""
    from local.notion_sandbox import seed_ids

    demo = seed_ids("demo")
    ws = _Workspace(url)
    short = ws.page(demo["home_page"], "Read: short")
    ws.append(short, [_paragraph(f"Short line {i}.") for i in range(5)])
    long = ws.page(demo["home_page"], "Read: long")
    ws.append(long, [_paragraph(f"Paragraph {i} of the long page.") for i in range(PARAGRAPHS)])
    nested = ws.page(demo["home_page"], "Read: nested")
    for top in ws.append(nested, [_toggle(f"Section {i}") for i in range(TOGGLES)]):
        parent = top
        for level in range(LEVELS):
            parent = ws.append(
                parent, [_toggle(f"Level {level + 1}"), _paragraph(f"Detail at level {level + 1}.")]
            )[0]
    return {"short": short, "long": long, "nested": nested, "row": demo["task_report"]}


def _notion(url: str) -> Any:
    from notion_client import Client
    from notion_client.client import ClientOptions

    from shared.notion.adapters import notion as adapter
    from shared.notion.services.notion_access import NotionForTenant

    options = ClientOptions(
        base_url=url, timeout_ms=10_000, notion_version=adapter.NOTION_VERSION, retry=False
    )
    api = adapter.NotionApi(Client(options=options), max_inline_wait_s=1.0, rate_per_s=1000, burst=1000)
    return NotionForTenant(api, lambda operation: operation("ntn_sandbox_demo"))


def measure(url: str) -> dict[str, Any]:
    """Requests per read of each page, by the index's read and the ``read_page`` tool, and their
    means: ``{"index": {page: n}, "tool": {page: n}, "index_mean": x, "tool_mean": y, "chars": {...}}``
    (``chars``: the length of the text each read gave, so a cheaper read is not a shorter one)."""
    from local.notion_sandbox.testing import Admin
    from shared.notion.services.page_read import read_loaded
    from shared.tools.base import ToolContext
    from shared.tools.notion_read import ReadPageArgs, read_page
    from tests.support.platform.platform_fakes import FakeModel, FakeQueue

    admin = Admin(url)
    pages = make_pages(url)
    notion = _notion(url)
    ctx = ToolContext("t1", "r1", 1, "k", notion, FakeModel(), FakeQueue(), prompt=lambda text: text)
    figures: dict[str, Any] = {"index": {}, "tool": {}, "chars": {}}
    for name, page_id in pages.items():
        loaded = notion.retrieve_page(page_id)  # the indexer has it from a query or a search
        since = len(admin.get("/requests"))
        read = read_loaded(notion, loaded)
        figures["index"][name] = _count(admin, since)
        since = len(admin.get("/requests"))
        output = read_page(ctx, ReadPageArgs(page_id=page_id))
        figures["tool"][name] = _count(admin, since)
        figures["chars"][name] = {"index": len(read.markdown), "tool": len(str(output["text"]))}
    for way in ("index", "tool"):
        figures[f"{way}_mean"] = sum(figures[way].values()) / len(figures[way])
    return figures


def _count(admin: Any, since: int) -> int:
    """Requests the sandbox logged after the first ``since``."""
    return len(admin.get("/requests")) - since


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
