"""Databases: create one with its initial data source under a page, move it to or from the trash;
update a data source's schema (add, rename or remove a property), title or trash."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.blocks import block_object
from local.notion_sandbox.catalog import get_data_source, get_database
from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.ids import now_iso
from local.notion_sandbox.model import JSON, Actor, Change, Workspace
from local.notion_sandbox.pages import get_page, page_url
from local.notion_sandbox.properties import SIMPLE_TYPES, empty_value, find_property, property_config
from local.notion_sandbox.richtext import plain, rich_text

# What a new status property holds when the request names no options (Notion's own defaults).
DEFAULT_STATUSES = [("Not started", "default"), ("In progress", "blue"), ("Done", "green")]
CONFIGURABLE = SIMPLE_TYPES | {"select", "multi_select", "status", "number"}


def create_database(ws: Workspace, actor: Actor, body: JSON) -> tuple[JSON, list[Change]]:
    """``POST /v1/databases`` with a page parent: the database, its one data source, and the
    ``child_database`` block on the parent page."""
    parent = body.get("parent")
    if not isinstance(parent, dict) or "page_id" not in parent:
        raise validation_error("body failed validation: body.parent.page_id should be defined.")
    page = get_page(ws, str(parent["page_id"]))
    if page["in_trash"]:
        raise validation_error(
            "Can't edit block that is archived. You must unarchive the block before editing."
        )
    title = rich_text(body.get("title", []), "body.title")
    initial = body.get("initial_data_source") or {}
    if not isinstance(initial, dict):
        raise validation_error("body failed validation: body.initial_data_source should be an object.")
    db_id, ds_id, now = ws.ids.next("database"), ws.ids.next("data_source"), now_iso()
    schema = _schema(ds_id, initial.get("properties") or {"Name": {"title": {}}})
    name = plain(title)
    home = page["id"]
    common: JSON = {
        "title": title,
        "description": rich_text(body.get("description", []), "body.description"),
        "icon": body.get("icon"),
        "cover": body.get("cover"),
        "is_inline": bool(body.get("is_inline", False)),
        "archived": False,
        "in_trash": False,
        "created_time": now,
        "last_edited_time": now,
        "public_url": None,
    }
    database = place_database(
        ws, actor, db_id=db_id, ds_id=ds_id, home=home, name=name, common=common, schema=schema, now=now
    )
    ws.writes["databases.create"] += 1
    return database, []


def place_database(
    ws: Workspace,
    actor: Actor,
    *,
    db_id: str,
    ds_id: str,
    home: str,
    name: str,
    common: JSON,
    schema: JSON,
    now: str,
) -> JSON:
    """Put a database with its one data source (``schema``) under page ``home``: the database, the
    data source, and the child_database block among the page's children. Returns the database."""
    database: JSON = {
        "object": "database",
        "id": db_id,
        **common,
        "parent": {"type": "page_id", "page_id": home},
        "is_locked": False,
        "data_sources": [{"id": ds_id, "name": name}],
        "url": page_url(db_id, name),
    }
    ws.databases[db_id] = database
    ws.data_sources[ds_id] = {
        "object": "data_source",
        "id": ds_id,
        **common,
        "created_by": actor.partial_user(),
        "last_edited_by": actor.partial_user(),
        "parent": {"type": "database_id", "database_id": db_id},
        "database_parent": {"type": "page_id", "page_id": home},
        "properties": schema,
        "url": page_url(ds_id, name),
    }
    parent_ref = {"type": "page_id", "page_id": home}
    ws.blocks[db_id] = block_object(
        db_id, parent_ref, "child_database", {"title": name}, actor=actor, now=now
    )
    ws.children.setdefault(home, []).append(db_id)
    return database


def update_database(ws: Workspace, actor: Actor, database_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    """``PATCH /v1/databases/{id}``: its title, or ``in_trash`` (``archived``), which its data
    sources and its block follow."""
    database = get_database(ws, database_id)
    sources = [ws.data_sources[ds["id"]] for ds in database["data_sources"]]
    if "title" in body:
        database["title"] = rich_text(body["title"], "body.title")
    for key in ("in_trash", "archived"):
        if key in body:
            trashed = bool(body[key])
            for obj in (database, *sources):
                obj["in_trash"] = obj["archived"] = trashed
            if database["id"] in ws.blocks:
                ws.blocks[database["id"]]["in_trash"] = ws.blocks[database["id"]]["archived"] = trashed
    now = now_iso()
    database["last_edited_time"] = now
    for source in sources:
        source["last_edited_time"], source["last_edited_by"] = now, actor.partial_user()
    ws.writes["databases.update"] += 1
    return database, []


def _schema(scope: str, properties: Any) -> JSON:
    if not isinstance(properties, dict) or not properties:
        raise validation_error(
            "body failed validation: body.initial_data_source.properties should be an object."
        )
    schema: JSON = {
        name: _config(scope, name, spec, f"body.initial_data_source.properties.{name}")
        for name, spec in properties.items()
    }
    titles = [n for n, c in schema.items() if c["type"] == "title"]
    if len(titles) != 1:
        raise validation_error("body failed validation: a data source needs exactly one title property.")
    return schema


def _config(scope: str, name: str, spec: Any, path: str) -> JSON:
    """The stored configuration of property ``name`` requested as ``spec`` (one type key)."""
    kinds = [k for k in spec if k in CONFIGURABLE] if isinstance(spec, dict) else []
    if len(kinds) != 1:
        raise validation_error(f"body failed validation: {path} should name one supported property type.")
    kind = kinds[0]
    config = spec[kind] if isinstance(spec[kind], dict) else {}
    options = [(str(o["name"]), str(o.get("color", "default"))) for o in config.get("options", [])]
    if kind == "status" and not options:
        options = DEFAULT_STATUSES
    made = property_config(scope, name, kind, options)
    if kind == "number" and config.get("format"):
        made["number"] = {"format": config["format"]}
    if isinstance(spec.get("description"), str):
        made["description"] = spec["description"]
    return made


_SOURCE_FIELDS = {"title", "icon", "properties", "in_trash", "archived"}


def update_data_source(
    ws: Workspace, actor: Actor, data_source_id: str, body: JSON
) -> tuple[JSON, list[Change]]:
    """``PATCH /v1/data_sources/{id}`` (Notion's "Update a data source"): its ``title``, ``icon``,
    ``in_trash``, and its ``properties`` by name or id: a configuration adds a property (the rows get
    it empty), ``{"name"}`` renames one, ``null`` removes one. A type change, a status property's
    update and ``parent`` (a move) are refused as not modelled; the title property stays."""
    source = get_data_source(ws, data_source_id)
    unknown = sorted(set(body) - _SOURCE_FIELDS)
    if unknown:
        raise validation_error(f"body failed validation: body.{unknown[0]} is not modelled by the sandbox.")
    raw = body.get("properties", {})
    if not isinstance(raw, dict):
        raise validation_error("body failed validation: body.properties should be an object.")
    schema = dict(source["properties"])
    rows = [p for p in ws.pages.values() if p["parent"].get("data_source_id") == source["id"]]
    for key, spec in raw.items():
        _change_property(source["id"], schema, rows, str(key), spec)
    source["properties"] = schema
    if "title" in body:
        source["title"] = rich_text(body["title"], "body.title")
    if "icon" in body:
        source["icon"] = body["icon"]
    for key in ("in_trash", "archived"):
        if key in body:
            source["in_trash"] = source["archived"] = bool(body[key])
    source["last_edited_time"], source["last_edited_by"] = now_iso(), actor.partial_user()
    ws.writes["data_sources.update"] += 1
    return source, []


def _change_property(scope: str, schema: JSON, rows: list[JSON], key: str, spec: Any) -> None:
    """One entry of an update's ``properties`` applied to ``schema`` and the data source's ``rows``."""
    path = f"body.properties.{key}"
    current = find_property(schema, key)
    if current is None:
        _add_property(scope, schema, rows, key, spec)
        return
    name = current["name"]
    if spec is None:
        if current["type"] == "title":
            raise validation_error(f"body failed validation: {path}: the title property cannot be removed.")
        del schema[name]
        for row in rows:
            row["properties"].pop(name, None)
        return
    if not isinstance(spec, dict):
        raise validation_error(f"body failed validation: {path} should be an object or `null`.")
    kinds = [k for k in spec if k in CONFIGURABLE]
    if kinds and (kinds != [current["type"]] or current["type"] == "status"):
        raise validation_error(
            f"body failed validation: {path}: a type change or a status property's options "
            "are not modelled by the sandbox."
        )
    if kinds:  # the same type again: Notion keeps the property (its options as requested)
        schema[name] = _config(scope, name, spec, path) | {"id": current["id"]}
    if isinstance(spec.get("description"), str):
        schema[name]["description"] = spec["description"]
    new_name = spec.get("name")
    if isinstance(new_name, str) and new_name and new_name != name:
        _unique(schema, new_name, path)
        schema[new_name] = schema.pop(name) | {"name": new_name}
        for row in rows:
            row["properties"][new_name] = row["properties"].pop(name, empty_value(schema[new_name]))


def _add_property(scope: str, schema: JSON, rows: list[JSON], key: str, spec: Any) -> None:
    """A new property ``key`` (or its ``name``) of the configuration ``spec``; each row holds it empty."""
    if not isinstance(spec, dict) or set(spec) <= {"name", "description"}:
        raise validation_error(f"{key} is not a property that exists.")
    path = f"body.properties.{key}"
    name = str(spec.get("name") or key)
    _unique(schema, name, path)
    schema[name] = _config(scope, name, spec, path)
    for row in rows:
        row["properties"][name] = empty_value(schema[name])


def _unique(schema: JSON, name: str, path: str) -> None:
    if name in schema:
        raise validation_error(f"body failed validation: {path}: a property named {name} exists.")
