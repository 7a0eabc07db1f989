"""Pages: create, retrieve, update properties, in a data source or under a page."""

from __future__ import annotations

import re
from typing import Any

from local.notion_sandbox import blocks as block_ops
from local.notion_sandbox.content import insert_blocks
from local.notion_sandbox.errors import found, not_found, validation_error
from local.notion_sandbox.ids import compact, normalize_id, now_iso
from local.notion_sandbox.model import JSON, Actor, Change, Workspace
from local.notion_sandbox.properties import empty_value, find_property, property_value
from local.notion_sandbox.refs import event_parent, user_names
from local.notion_sandbox.richtext import plain

PAGE_TITLE_SCHEMA: JSON = {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}


def page_url(page_id: str, title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
    return f"https://www.notion.so/{slug + '-' if slug else ''}{compact(page_id)}"


def screen_url(base: str, key: str, obj: JSON) -> str:
    """Where ``obj`` (a page, a database or a data source) opens on the sandbox's screen at ``base``:
    a page at its own screen, a database or data source in its workspace's overview, which lists its
    rows. What ``/v1`` answers as ``url``, as Notion answers its own web address."""
    home = f"{base.rstrip('/')}/screen/{key}/"
    return f"{home}pages/{compact(str(obj['id']))}" if obj.get("object") == "page" else home


def with_screen_urls(payload: Any, base: str, key: str) -> Any:
    """``payload`` (an answer of ``/v1``) with each page's, database's and data source's ``url`` its
    :func:`screen_url`: a copy, the stored objects untouched."""
    if isinstance(payload, list):
        return [with_screen_urls(item, base, key) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = {k: with_screen_urls(v, base, key) for k, v in payload.items()}
    if out.get("object") in ("page", "database", "data_source") and "url" in out and "id" in out:
        out["url"] = screen_url(base, key, out)
    return out


def get_page(ws: Workspace, page_id: str) -> JSON:
    return found(ws.pages, page_id, "page")


def _parent(ws: Workspace, parent: Any) -> tuple[JSON, JSON]:
    """The stored parent object and the property schema pages under it must follow."""
    if not isinstance(parent, dict):
        raise validation_error(
            "body failed validation: body.parent should be defined, instead was `undefined`."
        )
    if "data_source_id" in parent:
        ds = ws.data_sources.get(normalize_id(str(parent["data_source_id"])))
        if ds is None:
            raise not_found(str(parent["data_source_id"]), "data_source")
        ref = {
            "type": "data_source_id",
            "data_source_id": ds["id"],
            "database_id": ds["parent"]["database_id"],
        }
        return ref, ds["properties"]
    if "database_id" in parent:
        db = ws.databases.get(normalize_id(str(parent["database_id"])))
        if db is None:
            raise not_found(str(parent["database_id"]), "database")
        if len(db["data_sources"]) != 1:
            raise validation_error("Databases with multiple data sources need a data_source_id parent.")
        return _parent(ws, {"data_source_id": db["data_sources"][0]["id"]})
    if "page_id" in parent:
        page = get_page(ws, str(parent["page_id"]))
        return {"type": "page_id", "page_id": page["id"]}, PAGE_TITLE_SCHEMA
    if parent.get("workspace") is True:
        return {"type": "workspace", "workspace": True}, PAGE_TITLE_SCHEMA
    raise validation_error("body failed validation: body.parent should have data_source_id or page_id.")


def _properties(ws: Workspace, schema: JSON, raw: Any, current: JSON) -> tuple[JSON, list[str]]:
    if raw is None:
        return current, []
    if not isinstance(raw, dict):
        raise validation_error("body failed validation: body.properties should be an object.")
    updated = dict(current)
    changed: list[str] = []
    for key, value in raw.items():
        config = find_property(schema, key)
        if config is None:
            raise validation_error(f"{key} is not a property that exists.")
        updated[config["name"]] = property_value(config, value, f"body.properties.{key}", user_names(ws))
        changed.append(config["id"])
    return updated, changed


def title_of(page: JSON) -> str:
    for value in page["properties"].values():
        if value["type"] == "title":
            return plain(value["title"])
    return ""


def create_page(
    ws: Workspace, actor: Actor, body: JSON, page_id: str | None = None
) -> tuple[JSON, list[Change]]:
    parent, schema = _parent(ws, body.get("parent"))
    blank = {config["name"]: empty_value(config) for config in schema.values()}
    properties, _ = _properties(ws, schema, body.get("properties"), blank)
    children = block_ops.check_children(body.get("children", []), "body.children")
    page_id, now = page_id or ws.ids.next("page"), now_iso()
    page: JSON = {
        "object": "page",
        "id": page_id,
        "created_time": now,
        "last_edited_time": now,
        "created_by": actor.partial_user(),
        "last_edited_by": actor.partial_user(),
        "cover": body.get("cover"),
        "icon": body.get("icon"),
        "parent": parent,
        "archived": False,
        "in_trash": False,
        "is_archived": False,
        "is_locked": False,
        "properties": properties,
        "url": "",
        "public_url": None,
    }
    insert_blocks(ws, actor, page_id, {"type": "page_id", "page_id": page_id}, children)
    ws.pages[page_id] = page
    page["url"] = page_url(page_id, title_of(page))
    ws.writes["pages.create"] += 1
    changes = [
        Change("page.created", {"id": page_id, "type": "page"}, {"parent": event_parent(ws, page)}, actor)
    ]
    if parent["type"] == "data_source_id":
        changes.append(data_source_change(ws, parent, page_id, actor))
    return page, changes


def update_page(ws: Workspace, actor: Actor, page_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    page = get_page(ws, page_id)
    if page["in_trash"] and body.get("in_trash") is not False and body.get("archived") is not False:
        raise validation_error(
            "Can't edit block that is archived. You must unarchive the block before editing."
        )
    schema = _schema_for(ws, page)
    page["properties"], changed = _properties(ws, schema, body.get("properties"), page["properties"])
    for key in ("icon", "cover"):
        if key in body:
            page[key] = body[key]
    was_trashed = page["in_trash"]
    for key in ("in_trash", "archived"):
        if key in body:
            page["in_trash"] = page["archived"] = page["is_archived"] = bool(body[key])
    page["last_edited_time"], page["last_edited_by"] = now_iso(), actor.partial_user()
    page["url"] = page_url(page["id"], title_of(page))
    ws.writes["pages.update"] += 1
    changes: list[Change] = []
    if changed:
        data = {"parent": event_parent(ws, page), "updated_properties": changed}
        changes.append(Change("page.properties_updated", {"id": page["id"], "type": "page"}, data, actor))
    if changed and page["parent"]["type"] == "data_source_id":
        changes.append(data_source_change(ws, page["parent"], page["id"], actor))
    if page["in_trash"] != was_trashed:  # Notion: page.deleted when moved to the trash, undeleted back
        kind = "page.deleted" if page["in_trash"] else "page.undeleted"
        changes.append(
            Change(kind, {"id": page["id"], "type": "page"}, {"parent": event_parent(ws, page)}, actor)
        )
    return page, changes


def move_page(ws: Workspace, actor: Actor, page_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    """``POST /v1/pages/{id}/move``: the page (a page, not a database) under another page. A data
    source parent is not reproduced here; a page cannot move below itself."""
    page = get_page(ws, page_id)
    parent = body.get("parent")
    if not isinstance(parent, dict) or "page_id" not in parent:
        raise validation_error("body failed validation: body.parent.page_id should be defined.")
    target = get_page(ws, str(parent["page_id"]))
    if page["in_trash"] or target["in_trash"]:
        raise validation_error(
            "Can't edit block that is archived. You must unarchive the block before editing."
        )
    above: JSON | None = target
    while above is not None:
        if above["id"] == page["id"]:
            raise validation_error("A page cannot be moved below itself.")
        above = ws.pages.get(str(above["parent"].get("page_id", "")))
    page["parent"] = {"type": "page_id", "page_id": target["id"]}
    page["last_edited_time"], page["last_edited_by"] = now_iso(), actor.partial_user()
    ws.writes["pages.move"] += 1
    return page, []


def _schema_for(ws: Workspace, page: JSON) -> JSON:
    parent = page["parent"]
    if parent["type"] == "data_source_id":
        schema: JSON = ws.data_sources[parent["data_source_id"]]["properties"]
        return schema
    return PAGE_TITLE_SCHEMA


def data_source_change(ws: Workspace, parent: JSON, page_id: str, actor: Actor) -> Change:
    data = {
        "parent": {"id": parent["database_id"], "type": "database"},
        "updated_blocks": [{"id": page_id, "type": "page"}],
    }
    return Change(
        "data_source.content_updated", {"id": parent["data_source_id"], "type": "data_source"}, data, actor
    )
