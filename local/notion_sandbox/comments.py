"""Comments: list by block or page, retrieve one, create on a page or in a discussion, update or
delete one the connection made."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.errors import not_found, validation_error
from local.notion_sandbox.ids import normalize_id, now_iso
from local.notion_sandbox.model import JSON, Actor, Change, Workspace
from local.notion_sandbox.query import list_response, paginate
from local.notion_sandbox.refs import user_names
from local.notion_sandbox.richtext import rich_text


def list_comments(ws: Workspace, block_id: Any, start_cursor: Any, page_size: Any) -> JSON:
    if not block_id:
        raise validation_error(
            "body failed validation: query.block_id should be defined, instead was `undefined`."
        )
    bid = normalize_id(str(block_id))
    if bid not in ws.pages and bid not in ws.blocks:
        raise not_found(str(block_id), "block")
    items = [
        c for c in ws.comments.values() if bid in (c["parent"].get("page_id"), c["parent"].get("block_id"))
    ]
    results, cursor = paginate(items, start_cursor, page_size, "query")
    return list_response(results, cursor, "comment")


def get_comment(ws: Workspace, comment_id: str) -> JSON:
    comment = ws.comments.get(normalize_id(comment_id))
    if comment is None:
        raise not_found(comment_id, "comment")
    return comment


def create_comment(ws: Workspace, actor: Actor, body: JSON) -> tuple[JSON, list[Change]]:
    parent, discussion_id = _target(ws, body)
    text = rich_text(body.get("rich_text"), "body.rich_text", user_names(ws))
    comment_id, now = ws.ids.next("comment"), now_iso()
    author = ws.bot if actor.type == "bot" else ws.people.get(actor.id, {})
    comment: JSON = {
        "object": "comment",
        "id": comment_id,
        "parent": parent,
        "discussion_id": discussion_id or ws.ids.next("discussion"),
        "created_time": now,
        "last_edited_time": now,
        "created_by": actor.partial_user(),
        "rich_text": text,
        "display_name": {
            "type": "integration" if actor.type == "bot" else "user",
            "resolved_name": author.get("name"),
        },
    }
    ws.comments[comment_id] = comment
    ws.writes["comments.create"] += 1
    page_id = parent.get("page_id") or ws.page_root(parent["block_id"]) or parent["block_id"]
    event_parent = {
        "id": parent.get("page_id") or parent.get("block_id"),
        "type": parent["type"][: -len("_id")],
    }
    data = {"page_id": page_id, "parent": event_parent}
    return comment, [Change("comment.created", {"id": comment_id, "type": "comment"}, data, actor)]


def update_comment(ws: Workspace, actor: Actor, comment_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    """``PATCH /v1/comments/{id}``: its text replaced. As Notion documents it, a connection updates
    only the comments it created; any other answers 404 (object_not_found)."""
    comment = ws.comments.get(normalize_id(comment_id))
    if comment is None or comment["created_by"].get("id") != actor.partial_user().get("id"):
        raise not_found(comment_id, "comment")
    comment["rich_text"] = rich_text(body.get("rich_text"), "body.rich_text", user_names(ws))
    comment["last_edited_time"] = now_iso()
    ws.writes["comments.update"] += 1
    return comment, []  # Notion's comment.updated is not sent: the agent subscribes to none


def delete_comment(ws: Workspace, actor: Actor, comment_id: str) -> tuple[JSON, list[Change]]:
    """``DELETE /v1/comments/{id}``: the comment deleted, answered as it was. As Notion documents it
    ("Delete a comment"), a connection deletes only the comments it created; anyone else's, or one
    gone, answers 404 (object_not_found). Only that comment goes: its thread's replies stay."""
    cid = normalize_id(comment_id)
    comment = ws.comments.get(cid)
    if comment is None or comment["created_by"].get("id") != actor.partial_user().get("id"):
        raise not_found(comment_id, "comment")
    del ws.comments[cid]
    ws.writes["comments.delete"] += 1
    return comment, []  # Notion's comment.deleted is not sent: the agent subscribes to none


def _target(ws: Workspace, body: JSON) -> tuple[JSON, str | None]:
    if body.get("discussion_id"):
        discussion = str(body["discussion_id"])
        first = next((c for c in ws.comments.values() if c["discussion_id"] == discussion), None)
        if first is None:
            raise not_found(discussion, "discussion")
        return dict(first["parent"]), discussion
    parent = body.get("parent")
    if isinstance(parent, dict) and parent.get("page_id"):
        pid = normalize_id(str(parent["page_id"]))
        if pid not in ws.pages:
            raise not_found(str(parent["page_id"]), "page")
        return {"type": "page_id", "page_id": pid}, None
    if isinstance(parent, dict) and parent.get("block_id"):
        bid = normalize_id(str(parent["block_id"]))
        if bid not in ws.blocks:
            raise not_found(str(parent["block_id"]), "block")
        return {"type": "block_id", "block_id": bid}, None
    raise validation_error("body failed validation: body.parent or body.discussion_id should be defined.")
