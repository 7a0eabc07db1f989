"""The /v1 API as a table of (method, path pattern, handler) over one workspace."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.notion_sandbox import catalog, comments, content, databases, markdown, pages
from local.notion_sandbox.errors import NotionError, not_found
from local.notion_sandbox.ids import normalize_id
from local.notion_sandbox.model import JSON, Actor, Change, Workspace


@dataclass
class Call:
    ws: Workspace
    actor: Actor
    body: JSON
    args: dict[str, str]
    params: tuple[str, ...] = field(default_factory=tuple)


Result = tuple[JSON, list[Change]]
Handler = Callable[[Call], Result]


def _read(fn: Callable[[Call], JSON]) -> Handler:
    return lambda call: (fn(call), [])


def _get_user(call: Call) -> JSON:
    uid = normalize_id(call.params[0])
    users = {**call.ws.people, call.ws.bot["id"]: call.ws.bot}
    if uid not in users:
        raise not_found(call.params[0], "user")
    return users[uid]


def _get_block(call: Call) -> JSON:
    bid = normalize_id(call.params[0])
    block = call.ws.blocks.get(bid)
    if block is None:
        raise not_found(call.params[0], "block")
    return block


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"users/me"), _read(lambda c: c.ws.bot)),
    ("GET", re.compile(r"users/([^/]+)"), _read(_get_user)),
    ("POST", re.compile(r"search"), _read(lambda c: catalog.search(c.ws, c.body))),
    ("POST", re.compile(r"pages"), lambda c: pages.create_page(c.ws, c.actor, c.body)),
    (
        "POST",
        re.compile(r"pages/([^/]+)/move"),
        lambda c: pages.move_page(c.ws, c.actor, c.params[0], c.body),
    ),
    ("GET", re.compile(r"pages/([^/]+)"), _read(lambda c: pages.get_page(c.ws, c.params[0]))),
    (
        "GET",
        re.compile(r"pages/([^/]+)/markdown"),
        _read(lambda c: markdown.page_markdown(c.ws, c.params[0])),
    ),
    ("PATCH", re.compile(r"pages/([^/]+)"), lambda c: pages.update_page(c.ws, c.actor, c.params[0], c.body)),
    ("GET", re.compile(r"data_sources/([^/]+)"), _read(lambda c: catalog.get_data_source(c.ws, c.params[0]))),
    (
        "PATCH",
        re.compile(r"data_sources/([^/]+)"),
        lambda c: databases.update_data_source(c.ws, c.actor, c.params[0], c.body),
    ),
    (
        "POST",
        re.compile(r"data_sources/([^/]+)/query"),
        _read(lambda c: catalog.query_data_source(c.ws, c.params[0], c.body)),
    ),
    ("GET", re.compile(r"databases/([^/]+)"), _read(lambda c: catalog.get_database(c.ws, c.params[0]))),
    ("POST", re.compile(r"databases"), lambda c: databases.create_database(c.ws, c.actor, c.body)),
    (
        "PATCH",
        re.compile(r"databases/([^/]+)"),
        lambda c: databases.update_database(c.ws, c.actor, c.params[0], c.body),
    ),
    ("GET", re.compile(r"blocks/([^/]+)"), _read(_get_block)),
    (
        "PATCH",
        re.compile(r"blocks/([^/]+)"),
        lambda c: content.update_block(c.ws, c.actor, c.params[0], c.body),
    ),
    ("DELETE", re.compile(r"blocks/([^/]+)"), lambda c: content.delete_block(c.ws, c.actor, c.params[0])),
    (
        "GET",
        re.compile(r"blocks/([^/]+)/children"),
        _read(
            lambda c: content.list_children(
                c.ws, c.params[0], c.args.get("start_cursor"), c.args.get("page_size")
            )
        ),
    ),
    (
        "PATCH",
        re.compile(r"blocks/([^/]+)/children"),
        lambda c: content.append_children(c.ws, c.actor, c.params[0], c.body),
    ),
    (
        "GET",
        re.compile(r"comments"),
        _read(
            lambda c: comments.list_comments(
                c.ws, c.args.get("block_id"), c.args.get("start_cursor"), c.args.get("page_size")
            )
        ),
    ),
    ("GET", re.compile(r"comments/([^/]+)"), _read(lambda c: comments.get_comment(c.ws, c.params[0]))),
    ("POST", re.compile(r"comments"), lambda c: comments.create_comment(c.ws, c.actor, c.body)),
    (
        "PATCH",
        re.compile(r"comments/([^/]+)"),
        lambda c: comments.update_comment(c.ws, c.actor, c.params[0], c.body),
    ),
    (
        "DELETE",
        re.compile(r"comments/([^/]+)"),
        lambda c: comments.delete_comment(c.ws, c.actor, c.params[0]),
    ),
]


def dispatch(method: str, path: str, call_for: Callable[[tuple[str, ...]], Call]) -> Result:
    """Find the handler for `path` (relative to /v1/) and run it."""
    path = path.strip("/")
    known_path = False
    for route_method, pattern, handler in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            known_path = True
            if route_method == method:
                return handler(call_for(match.groups()))
    if known_path:
        raise NotionError(400, "invalid_request", f"Unsupported request: {method} /v1/{path}.")
    raise NotionError(400, "invalid_request_url", "Invalid request URL.")


def is_write(method: str) -> bool:
    return method in ("POST", "PATCH", "DELETE")


__all__ = ["ROUTES", "Any", "Call", "Result", "dispatch", "is_write"]
