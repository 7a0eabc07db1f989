"""Read tools: a page with its content, the pages of a data source, and pages found by title.

Their outputs are stored (``tool_result``, and the run document when a later step refers to them),
so every part is bounded. Strings are clipped to ``PROPERTY_CHARS`` and lists to ``LIST_ITEMS``; a
value longer than ``VALUE_CHARS`` becomes its clipped JSON text; rows are kept while they fit in
``OUTPUT_BYTES`` (the rest counted in ``omitted``). A clipped property is named in ``clipped``, so the
model knows not to copy it as the whole value.
"""

import json
from itertools import islice
from typing import Annotated, Any

from pydantic import Field

from shared.notion.domain.notion_markdown import page_content
from shared.notion.services import notion_text as nt
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext

PAGE_TEXT_CHARS = 4000
TITLES_CHARS = 2500  # leaves room for the instructions around it (DraftTextArgs: 4000)
TITLE_CHARS = 300
PROPERTY_CHARS = 2000  # each string in a property value
LIST_ITEMS = 25  # items of a list value (multi-select, people, relation): Notion's own page limit
VALUE_CHARS = 4000  # one property value as JSON
SEARCH_LIMIT = 50  # pages one search_pages call lists (one request of Notion's 100)
OUTPUT_BYTES = 50_000  # rows or properties of one output, as UTF-8 JSON (the event's limit is 1 MiB)


class ReadPageArgs(Args):
    page_id: Annotated[str, Field(min_length=1, max_length=100)]


def read_page(ctx: ToolContext, args: ReadPageArgs) -> Output:
    notion = ctx.need_notion()
    page = notion.retrieve_page(args.page_id)
    # the content in one request, nested blocks too, as Markdown (block ids are the editing tools')
    content, _ = page_content(notion.retrieve_markdown(args.page_id), nt.title_of(page), PAGE_TEXT_CHARS)
    values, clipped = _properties(page)
    props = list(values.items())
    kept = _fitting(props, OUTPUT_BYTES - 4 * PAGE_TEXT_CHARS)  # the text: at most 4 bytes a char
    output = {
        "page_id": page["id"],
        "title": nt.clip(nt.title_of(page), TITLE_CHARS),
        "parent": _bounded(page.get("parent", {})),
        "properties": dict(kept),
        "text": nt.clip(content.strip(), PAGE_TEXT_CHARS),
        "url": str(page.get("url", ""))[:PROPERTY_CHARS],
    }
    output |= {"clipped": [n for n, _ in kept if n in clipped]} if clipped else {}
    return output | ({"omitted": len(props) - len(kept)} if len(kept) < len(props) else {})


class QueryArgs(Args):
    data_source_id: Annotated[str, Field(min_length=1, max_length=100)]
    filter: dict[str, Any] | None = None
    limit: Annotated[int, Field(ge=1, le=50)] = 20


def query_data_source(ctx: ToolContext, args: QueryArgs) -> Output:
    pages = islice(ctx.need_notion().query_data_source(args.data_source_id, args.filter), args.limit)
    rows = [_row(p) for p in pages]
    titles = _titles(rows)  # every row, whatever ``results`` keeps
    kept = _fitting(rows, OUTPUT_BYTES - 4 * TITLES_CHARS)
    output = {"data_source_id": args.data_source_id, "results": kept, "titles": titles}
    return output | ({"omitted": len(rows) - len(kept)} if len(kept) < len(rows) else {})


class SearchPagesArgs(Args):
    query: Annotated[str, Field(max_length=200, description="words of the title; empty lists recent pages")]
    limit: Annotated[int, Field(ge=1, le=SEARCH_LIMIT)] = 10


def search_pages(ctx: ToolContext, args: SearchPagesArgs) -> Output:
    """Pages the integration can see whose title matches ``query`` (Notion search), at most
    ``limit``: ids, titles and urls, bounded like every read's output."""
    only_pages = {"property": "object", "value": "page"}
    found = islice(ctx.need_notion().search(args.query, only_pages), args.limit)
    rows = [
        {
            "id": str(page["id"])[:TITLE_CHARS],
            "title": nt.clip(nt.title_of(page), TITLE_CHARS),
            "url": str(page.get("url", ""))[:PROPERTY_CHARS],
        }
        for page in found
        if page.get("object", "page") == "page"
    ]
    kept = _fitting(rows, OUTPUT_BYTES - 4 * TITLES_CHARS)
    titles = nt.clip("\n".join(f"- {r['title'] or 'Untitled'} ({r['id']})" for r in rows), TITLES_CHARS)
    output = {"query": args.query, "results": kept, "titles": titles}
    return output | ({"omitted": len(rows) - len(kept)} if len(kept) < len(rows) else {})


def _row(page: dict[str, Any]) -> dict[str, Any]:
    values, clipped = _properties(page)
    row = {"id": page["id"], "title": nt.clip(nt.title_of(page), TITLE_CHARS), "properties": values}
    return row | ({"clipped": clipped} if clipped else {})


def _properties(page: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A page's plain property values, bounded, and the names of those that were clipped."""
    values: dict[str, Any] = {}
    clipped: list[str] = []
    for name, value in nt.plain_properties(page).items():
        key = str(name)[:TITLE_CHARS]
        values[key] = _value(value)
        if values[key] != value or key != name:
            clipped.append(key)
    return values, clipped


def _value(value: Any) -> Any:
    """A property's plain value, bounded: clipped strings and lists, or its JSON text, clipped."""
    small = _bounded(value)
    if isinstance(small, str | int | float | bool) or small is None:
        return small
    text = _json(small)
    return small if len(text) <= VALUE_CHARS else nt.clip(text, VALUE_CHARS)


def _bounded(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return nt.clip(value, PROPERTY_CHARS)
    if depth >= 4 and isinstance(value, dict | list):  # a value's shape is shallow; deeper is noise
        return nt.clip(_json(value), PROPERTY_CHARS)
    if isinstance(value, dict):
        return {str(k)[:PROPERTY_CHARS]: _bounded(v, depth + 1) for k, v in islice(value.items(), LIST_ITEMS)}
    if isinstance(value, list | tuple):
        return [_bounded(v, depth + 1) for v in value[:LIST_ITEMS]]
    return value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _fitting[T](items: list[T], budget: int) -> list[T]:
    """The first ``items`` whose JSON fits in ``budget`` bytes together."""
    kept: list[T] = []
    for item in items:
        budget -= len(_json(item).encode()) + 1
        if budget < 0:
            break
        kept.append(item)
    return kept


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
    Tool(
        "read_page",
        SideEffect.READ,
        ReadPageArgs,
        "Read a page: title, properties and text; long property values are clipped and named in clipped.",
        read_page,
        uses_notion=True,
    ),
    Tool(
        "query_data_source",
        SideEffect.READ,
        QueryArgs,
        "List pages of a data source (optional Notion filter, at most 50); output: results, and "
        "titles (one line per page, to quote in later instructions). Long property values are "
        "clipped and named in the row's clipped; rows past the output's size limit are left out of "
        "results and counted in omitted.",
        query_data_source,
        uses_notion=True,
    ),
    Tool(
        "search_pages",
        SideEffect.READ,
        SearchPagesArgs,
        f"Find pages by title among those the integration can see (at most {SEARCH_LIMIT}); output: "
        "results (id, title, url) and titles (one line per page). Use it to get a page's id by name.",
        search_pages,
        uses_notion=True,
    ),
]
