"""Small lookups shared by the write paths: user names, event parents."""

from __future__ import annotations

from local.notion_sandbox.model import JSON, Workspace


def user_names(ws: Workspace) -> dict[str, str]:
    return {uid: str(u.get("name")) for uid, u in {**ws.people, ws.bot["id"]: ws.bot}.items()}


def event_parent(ws: Workspace, page: JSON) -> JSON:
    """The `data.parent` of page events: a database (with data_source_id) or a page/space."""
    parent = page["parent"]
    if parent["type"] == "data_source_id":
        return {"id": parent["database_id"], "type": "database", "data_source_id": parent["data_source_id"]}
    if parent["type"] == "page_id":
        return {"id": parent["page_id"], "type": "page"}
    if parent["type"] == "block_id":
        return {"id": parent["block_id"], "type": "block"}
    return {"id": ws.id, "type": "space"}
