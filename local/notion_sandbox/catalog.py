"""Read paths over a workspace: the bot user, data sources, databases, search."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.errors import found, validation_error
from local.notion_sandbox.model import JSON, Workspace
from local.notion_sandbox.query import apply_filter, apply_sorts, list_response, paginate
from local.notion_sandbox.richtext import plain


def get_data_source(ws: Workspace, data_source_id: str) -> JSON:
    return found(ws.data_sources, data_source_id, "data_source")


def get_database(ws: Workspace, database_id: str) -> JSON:
    return found(ws.databases, database_id, "database")


def query_data_source(ws: Workspace, data_source_id: str, body: JSON) -> JSON:
    ds = get_data_source(ws, data_source_id)
    wanted_trash = bool(body.get("in_trash", body.get("archived", False)))
    rows = [
        page
        for page in ws.pages.values()
        if page["parent"].get("data_source_id") == ds["id"] and page["in_trash"] == wanted_trash
    ]
    rows = apply_filter(rows, ds["properties"], body.get("filter"))
    rows = apply_sorts(rows, ds["properties"], body.get("sorts"))
    results, cursor = paginate(rows, body.get("start_cursor"), body.get("page_size"), "body")
    return list_response(results, cursor, "page_or_data_source")


def search(ws: Workspace, body: JSON) -> JSON:
    wanted = _search_kind(body.get("filter"))
    needle = str(body.get("query") or "").lower()
    candidates: list[JSON] = []
    if wanted in (None, "page"):
        candidates += [p for p in ws.pages.values() if not p["in_trash"]]
    if wanted in (None, "data_source"):
        candidates += [d for d in ws.data_sources.values() if not d["in_trash"]]
    hits = [c for c in candidates if needle in _title(c).lower()]
    sort = body.get("sort") or {"direction": "descending", "timestamp": "last_edited_time"}
    hits.sort(key=lambda c: str(c.get("last_edited_time")), reverse=sort.get("direction") != "ascending")
    results, cursor = paginate(hits, body.get("start_cursor"), body.get("page_size"), "body")
    return list_response(results, cursor, "page_or_data_source")


def _search_kind(spec: Any) -> str | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("property") != "object":
        raise validation_error("body failed validation: body.filter.property should be `object`.")
    value = spec.get("value")
    if value not in ("page", "data_source"):
        raise validation_error(
            "body failed validation: body.filter.value should be `page` or `data_source`, "
            f"instead was `{value}`."
        )
    return str(value)


def _title(obj: JSON) -> str:
    if obj["object"] == "data_source":
        return plain(obj["title"])
    for value in obj["properties"].values():
        if value["type"] == "title":
            return plain(value["title"])
    return ""
