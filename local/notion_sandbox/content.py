"""Block children: list (paginated) and append (at most 100 per request)."""

from __future__ import annotations

from typing import Any

from local.notion_sandbox import blocks as block_ops
from local.notion_sandbox.errors import not_found, validation_error
from local.notion_sandbox.ids import normalize_id, now_iso
from local.notion_sandbox.model import JSON, Actor, Change, Workspace
from local.notion_sandbox.query import list_response, paginate
from local.notion_sandbox.refs import event_parent, user_names


def _container(ws: Workspace, block_id: str) -> tuple[str, JSON]:
    """The id of a page or block that can hold children, and the parent ref its children get."""
    bid = normalize_id(block_id)
    if bid in ws.pages:
        return bid, {"type": "page_id", "page_id": bid}
    if bid in ws.blocks:
        return bid, {"type": "block_id", "block_id": bid}
    raise not_found(block_id, "block")


def list_children(ws: Workspace, block_id: str, start_cursor: Any, page_size: Any) -> JSON:
    bid, _ = _container(ws, block_id)
    items = [ws.blocks[c] for c in ws.children.get(bid, [])]
    results, cursor = paginate(items, start_cursor, page_size, "query")
    return list_response(results, cursor, "block")


def insert_blocks(
    ws: Workspace,
    actor: Actor,
    container: str,
    parent: JSON,
    requests: list[Any],
    *,
    after: str | None = None,
    path: str = "body.children",
    depth: int = 0,
) -> list[JSON]:
    """Validate every block first, then store them; nested `children` become grandchildren, at most
    two levels below the request's own blocks (Notion's limit), rows only under a table."""
    names = user_names(ws)
    prepared = [block_ops.block_content(r, f"{path}[{i}]", names) for i, r in enumerate(requests)]
    nested = [
        block_ops.check_children(r.get(kind, {}).get("children", []), f"{path}[{i}].{kind}.children")
        for i, (r, (kind, _)) in enumerate(zip(requests, prepared, strict=True))
    ]
    _check_shape(ws, container, path, prepared, nested, depth=depth)
    siblings = ws.children.setdefault(container, [])
    # after "": at the start; a sibling's id: after it; None: at the end
    position = 0 if after == "" else siblings.index(after) + 1 if after in siblings else len(siblings)
    created: list[JSON] = []
    now = now_iso()
    for (kind, content), grandchildren in zip(prepared, nested, strict=True):
        block_id = ws.ids.next("block")
        block = block_ops.block_object(block_id, parent, kind, content, actor=actor, now=now)
        ws.blocks[block_id] = block
        siblings.insert(position, block_id)
        position += 1
        if grandchildren:
            below = f"{path}[{len(created)}].{kind}.children"
            parent_ref = {"type": "block_id", "block_id": block_id}
            insert_blocks(ws, actor, block_id, parent_ref, grandchildren, path=below, depth=depth + 1)
            block["has_children"] = True
        created.append(block)
    if container in ws.blocks and created:
        ws.blocks[container]["has_children"] = True
    return created


def _check_shape(
    ws: Workspace,
    container: str,
    path: str,
    prepared: list[tuple[str, JSON]],
    nested: list[list[JSON]],
    *,
    depth: int,
) -> None:
    """Notion's refusals for nesting too deep in one request and for rows outside a table (or a
    table row of the wrong width)."""
    table = (
        ws.blocks.get(container, {}).get("table")
        if ws.blocks.get(container, {}).get("type") == "table"
        else None
    )
    for i, ((kind, content), grandchildren) in enumerate(zip(prepared, nested, strict=True)):
        if grandchildren and depth >= block_ops.MAX_NESTING:
            raise validation_error(
                f"body failed validation: {path}[{i}].{kind}.children should be not present."
            )
        if (kind == "table_row") != (table is not None):
            raise validation_error(
                f"body failed validation: {path}[{i}] should be a table_row under a table only."
            )
        if table is not None and len(content["cells"]) != table["table_width"]:
            raise validation_error(
                f"body failed validation: {path}[{i}].table_row.cells.length should be `{table['table_width']}`."
            )


def update_block(ws: Workspace, actor: Actor, block_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    """PATCH /v1/blocks/{id}: a text block's rich text (and to-do's checked) replaced."""
    bid = normalize_id(block_id)
    block = ws.blocks.get(bid)
    if block is None or block["in_trash"]:
        raise not_found(block_id, "block")
    kind = block["type"]
    if not isinstance(body.get(kind), dict):
        raise validation_error(f"body failed validation: body.{kind} should be defined.")
    _, content = block_ops.block_content(
        {"type": kind, kind: {**block[kind], **body[kind]}}, "body", user_names(ws)
    )
    block[kind] = content
    block["last_edited_time"], block["last_edited_by"] = now_iso(), actor.partial_user()
    return block, _content_changed(ws, actor, bid, [block])


def delete_block(ws: Workspace, actor: Actor, block_id: str) -> tuple[JSON, list[Change]]:
    """DELETE /v1/blocks/{id}: the block (and what it holds) moved to the trash, gone from listings."""
    bid = normalize_id(block_id)
    block = ws.blocks.get(bid)
    if block is None or block["in_trash"]:
        raise not_found(block_id, "block")
    changes = _content_changed(ws, actor, bid, [block])
    parent = block["parent"].get("page_id") or block["parent"].get("block_id")
    siblings = ws.children.get(parent, [])
    if bid in siblings:
        siblings.remove(bid)
    block["in_trash"] = block["archived"] = True
    block["last_edited_time"], block["last_edited_by"] = now_iso(), actor.partial_user()
    return block, changes


def _content_changed(ws: Workspace, actor: Actor, block_id: str, blocks: list[JSON]) -> list[Change]:
    root = ws.page_root(block_id)
    if root is None:
        return []
    page = ws.pages[root]
    page["last_edited_time"], page["last_edited_by"] = now_iso(), actor.partial_user()
    data = {
        "parent": event_parent(ws, page),
        "updated_blocks": [{"id": b["id"], "type": "block"} for b in blocks],
    }
    return [Change("page.content_updated", {"id": root, "type": "page"}, data, actor)]


def _placed_after(ws: Workspace, bid: str, body: JSON) -> str | None:
    """Where appended blocks go: after this child's id, "" at the start, None at the end. From
    ``position`` (2026-03-11; ``after_block``, ``start``, ``end``) or ``after`` (2025-09-03)."""
    position, after = body.get("position"), body.get("after")
    if position is not None:
        kind = position.get("type") if isinstance(position, dict) else None
        if kind == "start":
            return ""
        if kind == "end":
            return None
        if kind != "after_block" or not isinstance(position.get("after_block"), dict):
            raise validation_error(
                "body failed validation: body.position should be an object with type `after_block`, "
                f"`start` or `end`, instead was `{position!r}`."
            )
        after = position["after_block"].get("id")
        where = "body.position.after_block.id"
    else:
        where = "body.after"
    if after is None:
        return None
    if normalize_id(str(after)) not in ws.children.get(bid, []):
        raise validation_error(f"body failed validation: {where} `{after}` is not a child of {bid}.")
    return normalize_id(str(after))


def append_children(ws: Workspace, actor: Actor, block_id: str, body: JSON) -> tuple[JSON, list[Change]]:
    bid, parent = _container(ws, block_id)
    children = block_ops.check_children(body.get("children"), "body.children")
    after = _placed_after(ws, bid, body)
    created = insert_blocks(ws, actor, bid, parent, children, after=after)
    ws.writes["blocks.append"] += 1
    root = ws.page_root(bid)
    changes: list[Change] = []
    if root is not None:
        page = ws.pages[root]
        page["last_edited_time"], page["last_edited_by"] = now_iso(), actor.partial_user()
        data = {
            "parent": event_parent(ws, page),
            "updated_blocks": [{"id": b["id"], "type": "block"} for b in created],
        }
        changes.append(Change("page.content_updated", {"id": root, "type": "page"}, data, actor))
    return list_response(created, None, "block"), changes
