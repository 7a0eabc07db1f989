"""A whole Notion page read as Markdown for the index and the model. Its title and properties (a
database row's too) come from the page object. Its content comes in one request from Notion's
Markdown endpoint (``GET /v1/pages/{id}/markdown``, decision 0090), not from a walk of its blocks:
that took a request per 100 blocks and per nested block, at 3 requests/s a connection. No block ids
come back: a reader's, not an editor's (the editing tools list blocks). A page cut short says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.notion.domain.notion_markdown import page_content, properties_markdown, title_of

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion


class ReadBudget(NamedTuple):
    """What one page's read may keep: characters of its content's Markdown (the rest is cut)."""

    chars: int = 200_000


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


def read_page(notion: TenantNotion, page_id: str, budget: ReadBudget = WHOLE) -> PageRead:
    """``page_id`` read whole, or as far as ``budget`` goes (the Markdown then ends saying so): two
    requests, the page and its Markdown."""
    page = notion.retrieve_page(page_id)
    read = read_loaded(notion, page, budget)
    read.requests += 1
    return read


def read_loaded(notion: TenantNotion, page: dict[str, Any], budget: ReadBudget = WHOLE) -> PageRead:
    """As :func:`read_page`, for a page object already retrieved (a data source query's row): one
    request."""
    title = title_of(page)
    content, cut = page_content(notion.retrieve_markdown(str(page["id"])), title, budget.chars)
    parts = [f"# {title or 'Untitled'}\n", properties_markdown(page), content]
    if cut:
        parts.append(f"*(This page was cut short: {cut}; the rest was not read.)*\n")
    markdown = "\n".join(p for p in parts if p.strip())
    return PageRead(
        page_id=str(page["id"]),
        title=title,
        url=str(page.get("url", "")),
        markdown=markdown,
        cut_short=cut,
        requests=1,
        last_edited_time=str(page.get("last_edited_time", "")),
    )
