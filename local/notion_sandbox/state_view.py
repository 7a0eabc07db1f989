"""A readable dump of one workspace for tests: pages with plain values and content (each line's text and
links), comments, writes."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.model import JSON, Workspace
from local.notion_sandbox.richtext import plain


def plain_value(value: JSON) -> Any:
    kind = value["type"]
    raw = value.get(kind)
    if kind in ("title", "rich_text"):
        return plain(raw or [])
    if kind in ("select", "status"):
        return raw["name"] if raw else None
    if kind == "multi_select":
        return [v["name"] for v in raw or []]
    if kind == "date":
        return raw["start"] if raw else None
    if kind == "people":
        return [v["id"] for v in raw or []]
    return raw


def links(items: list[JSON]) -> list[str]:
    """The links of rich text ``items`` (their ``href``s), in order: what a reader may click."""
    return [str(i["href"]) for i in items if i.get("href")]


def block_lines(ws: Workspace, parent_id: str, depth: int = 0) -> list[JSON]:
    lines: list[JSON] = []
    for child_id in ws.children.get(parent_id, []):
        block = ws.blocks[child_id]
        kind = block["type"]
        items = block[kind].get("rich_text", []) if isinstance(block[kind], dict) else []
        line = {"id": child_id, "type": kind, "text": plain(items), "depth": depth, "links": links(items)}
        lines.append(line)
        lines += block_lines(ws, child_id, depth + 1)
    return lines


def workspace_state(ws: Workspace) -> JSON:
    pages = [
        {
            "id": page["id"],
            "parent": page["parent"],
            "in_trash": page["in_trash"],
            "created_by": page["created_by"]["id"],
            "properties": {name: plain_value(v) for name, v in page["properties"].items()},
            "content": block_lines(ws, page["id"]),
        }
        for page in ws.pages.values()
    ]
    comments = [
        {
            "id": c["id"],
            "parent": c["parent"],
            "text": plain(c["rich_text"]),
            "links": links(c["rich_text"]),
            "created_by": c["created_by"]["id"],
        }
        for c in ws.comments.values()
    ]
    return {
        "workspace": {"id": ws.id, "key": ws.key, "name": ws.name, "bot_id": ws.bot["id"]},
        "ids": dict(ws.seeded),
        "pages": pages,
        "comments": comments,
        "writes": dict(ws.writes),
    }
