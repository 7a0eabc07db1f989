"""Read tools: a page with its content, and the pages of a data source."""

from itertools import islice
from typing import Any

from pydantic import Field

from shared.agent.tools import notion_text as nt
from shared.agent.tools.base import Args, Output, SideEffect, Tool, ToolContext

PAGE_TEXT_CHARS = 4000
TITLES_CHARS = 2500  # leaves room for the instructions around it (DraftTextArgs: 4000)


class ReadPageArgs(Args):
    page_id: str = Field(min_length=1, max_length=100)


def read_page(ctx: ToolContext, args: ReadPageArgs) -> Output:
    token = ctx.token()
    page = ctx.notion.retrieve_page(token, args.page_id)
    lines = [nt.block_text(b) for b in islice(ctx.notion.list_children(token, args.page_id), 100)]
    return {
        "page_id": page["id"],
        "title": nt.title_of(page),
        "parent": page.get("parent", {}),
        "properties": nt.plain_properties(page),
        "text": nt.clip("\n".join(t for t in lines if t), PAGE_TEXT_CHARS),
        "url": page.get("url", ""),
    }


class QueryArgs(Args):
    data_source_id: str = Field(min_length=1, max_length=100)
    filter: dict[str, Any] | None = None
    limit: int = Field(20, ge=1, le=50)


def query_data_source(ctx: ToolContext, args: QueryArgs) -> Output:
    pages = islice(ctx.notion.query_data_source(ctx.token(), args.data_source_id, args.filter), args.limit)
    rows = [{"id": p["id"], "title": nt.title_of(p), "properties": nt.plain_properties(p)} for p in pages]
    return {"data_source_id": args.data_source_id, "results": rows, "titles": _titles(rows)}


def _titles(rows: list[dict[str, Any]]) -> str:
    """One line per page (title and its short scalar property values), small enough to quote in a later
    step's instructions as ``${steps.N.titles}``."""
    lines = []
    for row in rows:
        props = row["properties"].items()
        values = [
            f"{k}: {v}" for k, v in props if isinstance(v, str | int | float) and v not in ("", row["title"])
        ]
        short = [v for v in values if len(v) <= 60][:3]
        lines.append(f"- {row['title'] or 'Untitled'}" + (f" ({'; '.join(short)})" if short else ""))
    return nt.clip("\n".join(lines), TITLES_CHARS)


TOOLS = [
    Tool("read_page", SideEffect.READ, ReadPageArgs, "Read a page: title, properties and text.", read_page),
    Tool(
        "query_data_source",
        SideEffect.READ,
        QueryArgs,
        "List pages of a data source (optional Notion filter, at most 50); output: results, and "
        "titles (one line per page, to quote in later instructions).",
        query_data_source,
    ),
]
