"""Databases: create one with its initial data source under a page, move it to or from the trash."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.blocks import block_object
from local.notion_sandbox.catalog import get_database
from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.ids import now_iso
from local.notion_sandbox.model import JSON, Actor, Change, Workspace
from local.notion_sandbox.pages import get_page, page_url
from local.notion_sandbox.properties import SIMPLE_TYPES, property_config
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
    schema: JSON = {}
    for name, spec in properties.items():
        path = f"body.initial_data_source.properties.{name}"
        kinds = [k for k in spec if k in CONFIGURABLE] if isinstance(spec, dict) else []
        if len(kinds) != 1:
            raise validation_error(f"body failed validation: {path} should name one supported property type.")
        kind = kinds[0]
        config = spec[kind] if isinstance(spec[kind], dict) else {}
        options = [(str(o["name"]), str(o.get("color", "default"))) for o in config.get("options", [])]
        if kind == "status" and not options:
            options = DEFAULT_STATUSES
        schema[name] = property_config(scope, name, kind, options)
        if kind == "number" and config.get("format"):
            schema[name]["number"] = {"format": config["format"]}
    titles = [n for n, c in schema.items() if c["type"] == "title"]
    if len(titles) != 1:
        raise validation_error("body failed validation: a data source needs exactly one title property.")
    return schema
