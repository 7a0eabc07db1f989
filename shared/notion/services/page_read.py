"""A whole Notion page read as Markdown: its properties (a database row's too) and every block, with
pagination (100 a request) and nesting, within a per-page budget; a page cut short says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.notion.domain.notion_markdown import blocks_to_markdown, properties_markdown, title_of

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion

PAGE = 100  # blocks one list request returns (Notion's maximum page_size)
# Blocks whose children live elsewhere (another page) or are read through another id.
_NOT_DESCENDED = frozenset({"child_page", "child_database"})


class ReadBudget(NamedTuple):
    """What one page's read may take: blocks, list requests, and levels of nesting."""

    blocks: int = 1500
    requests: int = 40
    depth: int = 6


WHOLE = ReadBudget()


@dataclass
class PageRead:
    """A page as read: its Markdown, and why it was cut short ("" when read whole)."""

    page_id: str
    title: str
    url: str
    markdown: str
    cut_short: str
    requests: int
    last_edited_time: str = ""


class _Reading:
    def __init__(self, notion: TenantNotion, budget: ReadBudget) -> None:
        self.notion, self.budget = notion, budget
        self.blocks = 0
        self.requests = 0
        self.cut = ""

    def children(self, block_id: str, depth: int) -> list[dict[str, Any]]:
        if self.cut:
            return []
        if depth > self.budget.depth:
            self.cut = f"nesting deeper than {self.budget.depth} levels"
            return []
        if self.requests >= self.budget.requests:
            self.cut = f"more than {self.budget.requests} read requests"
            return []
        self.requests += 1
        out: list[dict[str, Any]] = []
        for index, block in enumerate(self.notion.list_children(block_id)):
            if index and index % PAGE == 0:
                self.requests += 1  # the next page of results was requested
            if self.blocks >= self.budget.blocks or self.requests > self.budget.requests:
                self.cut = (
                    f"more than {self.budget.blocks} blocks"
                    if self.blocks >= self.budget.blocks
                    else (f"more than {self.budget.requests} read requests")
                )
                break
            self.blocks += 1
            out.append(block)
        for block in out:
            self._descend(block, depth)
        return out

    def _descend(self, block: dict[str, Any], depth: int) -> None:
        kind = str(block.get("type", ""))
        if not block.get("has_children") or kind in _NOT_DESCENDED or self.cut:
            return
        body = block.setdefault(kind, {})
        source = (body.get("synced_from") or {}).get("block_id") if kind == "synced_block" else None
        body["children"] = self.children(str(source or block["id"]), depth + 1)


def read_page(notion: TenantNotion, page_id: str, budget: ReadBudget = WHOLE) -> PageRead:
    """``page_id`` read whole, or as far as ``budget`` goes (the Markdown then ends saying so)."""
    page = notion.retrieve_page(page_id)
    return read_loaded(notion, page, budget)


def read_loaded(notion: TenantNotion, page: dict[str, Any], budget: ReadBudget = WHOLE) -> PageRead:
    """As :func:`read_page`, for a page object already retrieved (a data source query's row)."""
    reading = _Reading(notion, budget)
    blocks = reading.children(str(page["id"]), 1)
    title = title_of(page)
    parts = [
        f"# {title or 'Untitled'}\n",
        properties_markdown(page),
        blocks_to_markdown(blocks) if blocks else "",
    ]
    if reading.cut:
        parts.append(f"*(This page was cut short: {reading.cut}; the rest was not read.)*\n")
    markdown = "\n".join(p for p in parts if p.strip())
    return PageRead(
        page_id=str(page["id"]),
        title=title,
        url=str(page.get("url", "")),
        markdown=markdown,
        cut_short=reading.cut,
        requests=reading.requests + 1,
        last_edited_time=str(page.get("last_edited_time", "")),
    )
