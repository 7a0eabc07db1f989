"""Blocks: request objects -> stored block objects, with Notion's per-request limits."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.model import JSON, Actor
from local.notion_sandbox.richtext import rich_text

MAX_BLOCKS_PER_REQUEST = 100
TEXT_BLOCKS = {
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
    "code",
}
# Blocks holding a file by its public URL (``{"type": "external", "external": {"url": ...}}``); the
# API's own uploads (``file_upload``) are not reproduced.
FILE_BLOCKS = {"image", "file", "pdf", "video", "audio"}
SUPPORTED = TEXT_BLOCKS | FILE_BLOCKS | {"divider", "table", "table_row"}
MAX_URL = 2000  # Notion's request limit for any URL
MAX_NESTING = 2  # levels of children below a request's own blocks (Notion's limit per request)


def check_children(children: Any, path: str) -> list[JSON]:
    if not isinstance(children, list):
        raise validation_error(
            f"body failed validation: {path} should be an array, instead was `{children!r}`."
        )
    if len(children) > MAX_BLOCKS_PER_REQUEST:
        raise validation_error(
            f"body failed validation: {path}.length should be ≤ `{MAX_BLOCKS_PER_REQUEST}`, "
            f"instead was `{len(children)}`."
        )
    return children


def block_content(request: Any, path: str, names: dict[str, str]) -> tuple[str, JSON]:
    """The block's type and its type-specific content in response shape."""
    if not isinstance(request, dict):
        raise validation_error(f"body failed validation: {path} should be an object.")
    kind = request.get("type") or next((k for k in request if k in SUPPORTED), None)
    if kind not in SUPPORTED or not isinstance(request.get(kind), dict):
        raise validation_error(
            f"body failed validation: {path} should be a supported block, instead was `{kind}`."
        )
    raw: JSON = request[kind]
    if kind == "divider":
        return kind, {}
    if kind == "table":
        return kind, _table_content(raw, path)
    if kind in FILE_BLOCKS:
        return kind, _file_content(raw, f"{path}.{kind}", names, named=kind == "file")
    if kind == "table_row":
        return kind, _table_row_content(raw, path, names)
    content: JSON = {"rich_text": rich_text(raw.get("rich_text", []), f"{path}.{kind}.rich_text", names)}
    if kind == "code":
        content["caption"] = rich_text(raw.get("caption", []), f"{path}.code.caption", names)
        content["language"] = raw.get("language", "plain text")
        return kind, content
    content["color"] = raw.get("color", "default")
    if kind.startswith("heading_"):
        content["is_toggleable"] = bool(raw.get("is_toggleable", False))
    if kind == "to_do":
        content["checked"] = bool(raw.get("checked", False))
    if kind in ("callout", "paragraph"):
        content["icon"] = raw.get("icon")  # present (null) on paragraphs in @notionhq/client 5.26 types
    return kind, content


def _table_content(raw: JSON, path: str) -> JSON:
    width = raw.get("table_width")
    if not isinstance(width, int) or width < 1:
        raise validation_error(f"body failed validation: {path}.table.table_width should be a number.")
    if not raw.get("children"):
        raise validation_error(f"body failed validation: {path}.table.children should be defined.")
    headers = {k: bool(raw.get(k, False)) for k in ("has_column_header", "has_row_header")}
    return {"table_width": width, **headers}


def _table_row_content(raw: JSON, path: str, names: dict[str, str]) -> JSON:
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise validation_error(f"body failed validation: {path}.table_row.cells should be an array.")
    return {"cells": [rich_text(c, f"{path}.table_row.cells[{i}]", names) for i, c in enumerate(cells)]}


def block_object(block_id: str, parent: JSON, kind: str, content: JSON, *, actor: Actor, now: str) -> JSON:
    return {
        "object": "block",
        "id": block_id,
        "parent": parent,
        "created_time": now,
        "last_edited_time": now,
        "created_by": actor.partial_user(),
        "last_edited_by": actor.partial_user(),
        "has_children": False,
        "archived": False,
        "in_trash": False,
        "type": kind,
        kind: content,
    }


def _file_content(raw: JSON, path: str, names: dict[str, str], *, named: bool) -> JSON:
    """An external file's block content as Notion returns it: the URL (http or https, at most 2,000
    characters), its caption, and a file block's name."""
    external = raw.get("external")
    url = external.get("url") if isinstance(external, dict) else None
    if raw.get("type", "external") != "external" or not isinstance(url, str):
        raise validation_error(f"body failed validation: {path}.external.url should be defined.")
    if len(url) > MAX_URL:
        raise validation_error(
            f"body failed validation: {path}.external.url.length should be ≤ `{MAX_URL}`, "
            f"instead was `{len(url)}`."
        )
    if not url.startswith(("https://", "http://")) or " " in url:
        raise validation_error(f"Invalid URL for link: {path}.external.url")
    content: JSON = {
        "caption": rich_text(raw.get("caption", []), f"{path}.caption", names),
        "type": "external",
        "external": {"url": url},
    }
    if named:
        content["name"] = str(raw.get("name") or url.rsplit("/", 1)[-1] or "file")[:200]
    return content
