"""Data source property schemas and page property values (request -> stored response shape)."""

from __future__ import annotations

import hashlib
from typing import Any

from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.model import JSON
from local.notion_sandbox.richtext import rich_text

COLORS = ["default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red"]
SIMPLE_TYPES = {"title", "rich_text", "date", "people", "checkbox", "url", "email", "phone_number"}


def short_id(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:4]


def option(scope: str, name: str, color: str) -> JSON:
    return {"id": short_id(scope, name), "name": name, "color": color, "description": None}


def property_config(scope: str, name: str, kind: str, options: list[tuple[str, str]] | None = None) -> JSON:
    """One property of a data source schema, as GET /v1/data_sources returns it."""
    prop_id = "title" if kind == "title" else short_id(scope, name)
    config: JSON = {"id": prop_id, "name": name, "type": kind, "description": None}
    opts = [option(scope + name, n, c) for n, c in (options or [])]
    if kind in ("select", "multi_select"):
        config[kind] = {"options": opts}
    elif kind == "status":
        config[kind] = {"options": opts, "groups": _status_groups(scope, opts)}
    elif kind == "number":
        config[kind] = {"format": "number"}
    else:
        config[kind] = {}
    return config


def _status_groups(scope: str, opts: list[JSON]) -> list[JSON]:
    names = [
        ("To-do", "gray", opts[:1]),
        ("In progress", "blue", opts[1:-1]),
        ("Complete", "green", opts[-1:]),
    ]
    return [
        {
            "id": short_id(scope, group),
            "name": group,
            "color": color,
            "option_ids": [o["id"] for o in members],
        }
        for group, color, members in names
    ]


def find_property(schema: JSON, key: str) -> JSON | None:
    """A property by name or by id, as Notion accepts both."""
    if key in schema:
        return dict(schema[key])
    return next((dict(p) for p in schema.values() if p["id"] == key), None)


def empty_value(config: JSON) -> JSON:
    kind = config["type"]
    empty: Any = {"title": [], "rich_text": [], "people": [], "multi_select": [], "checkbox": False}.get(kind)
    return {"id": config["id"], "type": kind, kind: empty}


def property_value(config: JSON, raw: Any, path: str, names: dict[str, str]) -> JSON:
    """Convert one request property value for the property `config` (mutates select options)."""
    kind = config["type"]
    if not isinstance(raw, dict) or kind not in raw:
        raise validation_error(
            f"body failed validation: {path}.{kind} should be defined, instead was `undefined`."
        )
    value = raw[kind]
    result: JSON = {"id": config["id"], "type": kind}
    if kind in ("title", "rich_text"):
        result[kind] = rich_text(value, f"{path}.{kind}", names)
    elif kind in ("select", "status"):
        result[kind] = None if value is None else _choose(config, value, path)
    elif kind == "multi_select":
        result[kind] = [_choose(config, v, path) for v in value]
    elif kind == "people":
        result[kind] = [{"object": "user", "id": str(p.get("id"))} for p in value]
    elif kind == "date":
        result[kind] = None if value is None else _date(value, path)
    elif kind == "checkbox":
        if not isinstance(value, bool):
            raise validation_error(f"body failed validation: {path}.checkbox should be a boolean.")
        result[kind] = value
    else:
        result[kind] = value
    return result


def _date(value: Any, path: str) -> JSON:
    if not isinstance(value, dict) or not isinstance(value.get("start"), str):
        raise validation_error(f"body failed validation: {path}.date.start should be defined.")
    return {"start": value["start"], "end": value.get("end"), "time_zone": value.get("time_zone")}


def _choose(config: JSON, value: Any, path: str) -> JSON:
    kind = config["type"]
    options: list[JSON] = config[kind]["options"]
    wanted_name, wanted_id = (value.get("name"), value.get("id")) if isinstance(value, dict) else (None, None)
    for opt in options:
        if opt["name"] == wanted_name or opt["id"] == wanted_id:
            return {"id": opt["id"], "name": opt["name"], "color": opt["color"]}
    if kind == "status" or not wanted_name:
        raise validation_error(
            f'Invalid {kind} option. {kind.capitalize()} option "{wanted_name}" does not exist".'
        )
    new = option(config["id"], wanted_name, COLORS[len(options) % len(COLORS)])
    options.append(new)  # Notion adds unknown select options to the schema on write
    return {"id": new["id"], "name": new["name"], "color": new["color"]}
