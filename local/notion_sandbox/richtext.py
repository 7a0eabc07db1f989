"""Rich text: request items -> response items, with Notion's length limits."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.model import JSON

MAX_TEXT_CONTENT = 2000
MAX_URL = 2000  # Notion's request limits: any URL
MAX_ARRAY = 100
ANNOTATION_DEFAULTS: JSON = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


def _check_length(path: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise validation_error(
            f"body failed validation: {path}.length should be ≤ `{limit}`, instead was `{len(value)}`."
        )


def rich_text(items: Any, path: str, names: dict[str, str] | None = None) -> list[JSON]:
    """Convert a request rich text array; `names` maps user ids to names for mentions."""
    if not isinstance(items, list):
        raise validation_error(f"body failed validation: {path} should be an array, instead was `{items!r}`.")
    if len(items) > MAX_ARRAY:
        raise validation_error(
            f"body failed validation: {path}.length should be ≤ `{MAX_ARRAY}`, instead was `{len(items)}`."
        )
    return [_item(item, f"{path}[{i}]", names or {}) for i, item in enumerate(items)]


def _item(item: Any, path: str, names: dict[str, str]) -> JSON:
    if not isinstance(item, dict):
        raise validation_error(f"body failed validation: {path} should be an object.")
    annotations = {**ANNOTATION_DEFAULTS, **(item.get("annotations") or {})}
    kind = item.get("type") or next((k for k in ("text", "mention", "equation") if k in item), None)
    if kind == "text":
        text = item.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("content"), str):
            raise validation_error(f"body failed validation: {path}.text.content should be defined.")
        _check_length(f"{path}.text.content", text["content"], MAX_TEXT_CONTENT)
        link = text.get("link")
        href = link.get("url") if isinstance(link, dict) else None
        if link is not None and (not isinstance(href, str) or not href.strip()):
            raise validation_error(f"body failed validation: {path}.text.link.url should be a string.")
        if href is not None:
            _check_length(f"{path}.text.link.url", href, MAX_URL)
        return {
            "type": "text",
            "text": {"content": text["content"], "link": {"url": href} if href else None},
            "annotations": annotations,
            "plain_text": text["content"],
            "href": href,
        }
    if kind == "mention":
        return _mention(item.get("mention") or {}, path, annotations, names)
    if kind == "equation":
        expression = str((item.get("equation") or {}).get("expression", ""))
        _check_length(f"{path}.equation.expression", expression, 1000)
        return {
            "type": "equation",
            "equation": {"expression": expression},
            "annotations": annotations,
            "plain_text": expression,
            "href": None,
        }
    raise validation_error(f"body failed validation: {path} should have one of text, mention, equation.")


def _mention(mention: JSON, path: str, annotations: JSON, names: dict[str, str]) -> JSON:
    if "user" in mention:
        user_id = str(mention["user"].get("id", ""))
        value: JSON = {"type": "user", "user": {"object": "user", "id": user_id}}
        plain = "@" + names.get(user_id, "Unknown user")
    elif "page" in mention:
        page_id = str(mention["page"].get("id", ""))
        value = {"type": "page", "page": {"id": page_id}}
        plain = "Untitled"
    elif "date" in mention:
        date = {"start": mention["date"].get("start"), "end": mention["date"].get("end"), "time_zone": None}
        value = {"type": "date", "date": date}
        plain = str(date["start"])
    else:
        raise validation_error(f"body failed validation: {path}.mention should have one of user, page, date.")
    return {
        "type": "mention",
        "mention": value,
        "annotations": annotations,
        "plain_text": plain,
        "href": None,
    }


def plain(items: list[JSON]) -> str:
    return "".join(str(item.get("plain_text", "")) for item in items)


def text_items(content: str) -> list[JSON]:
    """Response items for a plain string (used by seeding and admin helpers)."""
    return rich_text([{"type": "text", "text": {"content": content}}], "text")
