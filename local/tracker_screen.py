"""A person's way into the Linear, GitLab and Motion sandboxes on the local stack (docs/local-stack.md,
"The trackers"): each serves the same small screen and documented calls over its own items, acting as
a person in the tool's app does (the sandbox's ``add_issue``/``edit``, so every change makes the
tool's webhook delivery, or, for Motion, waits for the next poll).

- ``GET /_sandbox/items``: ``{"items": [{"id", "title", "status"}], "statuses": [...]}``;
- ``POST /_sandbox/items`` ``{"title", "status"?}``: 201 ``{"id", "title", "status"}``;
- ``PATCH /_sandbox/items/<id>`` ``{"title"?, "status"?}``: 200, the item as now;
- ``GET /_sandbox/screen``: the same as a page of forms (create, and per item its title and status).

A title missing or longer than 255 characters, a status the tool does not have, or a field not named
here is a 400 saying which; an unknown item a 404; nothing is changed by a refused call."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

TITLE_CHARS = 255


@dataclass(frozen=True)
class Items:
    """A sandbox's items as a person sees them: ``listed`` (id, title, status each), ``create(title,
    status)`` → id, ``edit(id, title|None, status|None)``; ``statuses`` the names a status may take;
    ``delivery`` a sentence on how a change reaches Notion Agent."""

    tool: str
    statuses: tuple[str, ...]
    listed: Callable[[], list[dict[str, str]]]
    create: Callable[[str, str | None], str]
    edit: Callable[[str, str | None, str | None], None]
    delivery: Callable[[], str]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def serving(
    items: Items, api: Callable[[Request], Response], *before: Callable[[Request], Response | None]
) -> Any:
    """A tracker sandbox's WSGI app: each of ``before`` (its OAuth screens) that answers a request, else
    the screen over ``items`` (:func:`answer`) when it does, else the tool's ``api``."""

    def screen(request: Request) -> Response | None:
        return answer(request, items)

    @Request.application
    def app(request: Request) -> Response:
        for side in (*before, screen):
            found = side(request)
            if found is not None:
                return found
        return api(request)

    return app


def answer(request: Request, items: Items) -> Response | None:
    """The answer to a ``/_sandbox/items`` or ``/_sandbox/screen`` request, or None for any other path."""
    path = request.path.rstrip("/")
    if not path.startswith(("/_sandbox/items", "/_sandbox/screen")):
        return None
    screen = path.startswith("/_sandbox/screen")
    try:
        if path == "/_sandbox/screen" and request.method == "GET":
            return _page(items, request.args.get("said", ""))
        rest = path.removeprefix("/_sandbox/screen" if screen else "/_sandbox").strip("/").split("/")
        if rest[0] != "items" or len(rest) > 2:
            raise Refused(404, "no such path: /_sandbox/items, /_sandbox/items/<id> or /_sandbox/screen")
        fields = dict(request.form) if screen else _json(request)
        item_id = rest[1] if len(rest) == 2 else None
        said = _act(items, request.method, item_id, fields, screen)
    except Refused as refused:
        if screen and refused.status != 404:
            return _back(f"Not saved: {refused}")
        return _json_answer(refused.status, {"message": str(refused)})
    if screen:
        return _back(said[1])
    return _json_answer(
        said[0],
        _one(items, said[2]) if said[2] else {"items": items.listed()} | {"statuses": list(items.statuses)},
    )


def _act(
    items: Items, method: str, item_id: str | None, fields: dict[str, Any], screen: bool
) -> tuple[int, str, str]:
    """Do what the request asks: its status, a sentence for the screen, the item's id (empty: a list)."""
    known = {"title", "status"}
    if set(fields) - known:
        raise Refused(
            400, f"unknown field(s): {', '.join(sorted(set(fields) - known))}; title and status are"
        )
    title, status = fields.get("title"), fields.get("status") or None
    if title is not None and (not isinstance(title, str) or len(title) > TITLE_CHARS):
        raise Refused(400, f"title must be text of at most {TITLE_CHARS} characters")
    if status is not None and status not in items.statuses:
        raise Refused(400, f"status must be one of {', '.join(items.statuses)}")
    if item_id is None and method == "GET" and not screen:
        return 200, "", ""
    if item_id is None and method == "POST":
        if not (title or "").strip():
            raise Refused(400, "title is required")
        made = items.create(str(title).strip(), status)
        return 201, f"Made “{str(title).strip()}”. {items.delivery()}", made
    if item_id is not None and method in ("PATCH", "POST"):
        if not any(i["id"] == item_id for i in items.listed()):
            raise Refused(404, f"no {items.tool} item {item_id}")
        if title is not None and not title.strip():
            raise Refused(400, "title may not be empty")
        items.edit(item_id, title.strip() if title is not None else None, status)
        return 200, f"Saved “{_one(items, item_id)['title']}”. {items.delivery()}", item_id
    raise Refused(405, "use GET or POST /_sandbox/items, PATCH /_sandbox/items/<id>")


def _one(items: Items, item_id: str) -> dict[str, str]:
    return next(i for i in items.listed() if i["id"] == item_id)


def _json(request: Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data())
    except ValueError:
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "the body must be a JSON object")
    return body


def _json_answer(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _back(said: str) -> Response:
    """Post/redirect/get: back to the screen, saying what was done."""
    return Response(status=303, headers={"Location": f"/_sandbox/screen?said={quote(said)}"})


def _options(statuses: tuple[str, ...], chosen: str) -> str:
    return "".join(f"<option{' selected' if s == chosen else ''}>{escape(s)}</option>" for s in statuses)


def _page(items: Items, said: str) -> Response:
    rows = "".join(
        f'<li><form method="post" action="/_sandbox/screen/items/{quote(i["id"], safe="")}">'
        f'<label>Title of {escape(i["title"])} <input name="title" value="{escape(i["title"])}" '
        f'maxlength="{TITLE_CHARS}"></label> <label>Status of {escape(i["title"])} '
        f'<select name="status">{_options(items.statuses, i["status"])}</select></label> '
        f'<button type="submit">Save {escape(i["title"])}</button></form></li>'
        for i in items.listed()
    )
    tool = escape(items.tool)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{tool} sandbox</title>
<link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}}
li{{margin:.5rem 0}}input{{max-width:100%}}</style></head>
<body><main><h1>{tool} sandbox</h1>
<p>You act here as a person in {tool}'s app. {escape(items.delivery())}</p>
<p role="status">{escape(said)}</p>
<h2>New item</h2><form method="post" action="/_sandbox/screen/items">
<label>New item's title <input name="title" maxlength="{TITLE_CHARS}" required></label>
<label>New item's status <select name="status">{_options(items.statuses, items.statuses[0])}</select></label>
<button type="submit">Create</button></form>
<h2>Items</h2><ul>{rows or "<li>None yet.</li>"}</ul></main></body></html>"""
    return Response(page, 200, mimetype="text/html", headers={"Cache-Control": "no-store"})
