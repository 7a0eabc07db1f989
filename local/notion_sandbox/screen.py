"""/screen/...: the sandbox as a person sees Notion, in a browser, acting as any of its people.

Pages, databases and rows; edit text and properties, comment and mention, trash and restore. Every
change is a /v1 call made as that person, so it sends the webhook events Notion would.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask, Response, redirect, request

from local.notion_sandbox.errors import NotionError
from local.notion_sandbox.ids import normalize_id
from local.notion_sandbox.model import JSON, Workspace
from local.notion_sandbox.pages import title_of
from local.notion_sandbox.richtext import MAX_TEXT_CONTENT, plain
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.screen_html import render
from local.notion_sandbox.seed import roles
from local.notion_sandbox.state_view import block_lines, plain_value

# What each change sends (Notion's webhook events), said once it is made.
DONE = {
    "text": "Saved. Notion sends page.content_updated.",
    "append": "Added. Notion sends page.content_updated.",
    "properties": "Saved. Notion sends page.properties_updated (and data_source.content_updated for a row).",
    "unchanged": "Nothing changed: no event sent.",
    "comment": "Commented. Notion sends comment.created.",
    "trash": "Moved to the trash. Notion sends page.deleted.",
    "restore": "Restored. Notion sends page.undeleted.",
    "created": "Made. Notion sends page.created (and data_source.content_updated for a row).",
    "sign-in": "The next Notion sign-in (Connect Notion, or an invite link in the console) is this person.",
}
INPUTS = {"title": "text", "rich_text": "text", "url": "text", "email": "text", "phone_number": "text"}
INPUTS |= {"date": "date", "number": "number", "multi_select": "text"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


class ScreenError(Exception):
    """A request the screen refuses: answered with its status and the reason in words."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def found[T](value: T | None, missing: str) -> T:
    """``value``, or a 404 saying ``missing``."""
    if value is None:
        raise ScreenError(missing, 404)
    return value


def _html(body: str, status: int = 200) -> Response:
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    return Response(body, status=status, mimetype="text/html", headers=headers)


def _people(ws: Workspace) -> list[JSON]:
    role_of = roles(ws)
    return [
        {"id": uid, "name": p.get("name") or uid, "role": role_of.get(uid, "member")}
        for uid, p in ws.people.items()
    ]


def _person(ws: Workspace, chosen: str | None) -> str:
    """The person acting: ``chosen`` when it is one of the workspace's people, else its owner."""
    if not chosen:
        return str(ws.owner["user"]["id"])
    if chosen not in ws.people:
        raise ScreenError("That person is not in this workspace: choose one from the list.")
    return chosen


def _names(ws: Workspace) -> dict[str, str]:
    return {uid: str(u.get("name")) for uid, u in {**ws.people, ws.bot["id"]: ws.bot}.items()}


def _shown(value: JSON, names: dict[str, str]) -> str:
    got = plain_value(value)
    if value["type"] == "people":
        return ", ".join(names.get(uid, "someone") for uid in got) or "nobody"
    if isinstance(got, list):
        return ", ".join(map(str, got)) or "none"
    if isinstance(got, bool):
        return "yes" if got else "no"
    return "none" if got in (None, "") else str(got)


def _page_href(ws: Workspace, page_id: str, person: str) -> str:
    return f"/screen/{quote(ws.key)}/pages/{quote(page_id)}?{urlencode({'as': person})}"


def workspace_view(ws: Workspace, person: str, note: str = "") -> str:
    names, pages, trash = _names(ws), [], []
    rows: dict[str, list[JSON]] = {ds_id: [] for ds_id in ws.data_sources}
    for page in ws.pages.values():
        entry = {"title": title_of(page) or "Untitled", "href": _page_href(ws, page["id"], person)}
        if page["in_trash"]:
            trash.append(entry)
        elif page["parent"]["type"] == "data_source_id":
            values = [(n, _shown(v, names)) for n, v in page["properties"].items() if v["type"] != "title"]
            rows.setdefault(page["parent"]["data_source_id"], []).append(entry | {"props": values})
        else:
            pages.append(entry)
    sources = [
        {"id": ds_id, "name": plain(ds["title"]) or "Untitled", "rows": rows[ds_id]}
        for ds_id, ds in ws.data_sources.items()
        if not ds.get("in_trash")
    ]
    home = f"/screen/{quote(ws.key)}/?{urlencode({'as': person})}"
    return render(
        "workspace", heading=ws.name, ws=ws, people=_people(ws), person=person, home=home, note=note,
        pages=pages, sources=sources, trash=trash, acting=ws.people[person].get("name") or person,
    )  # fmt: skip


def _fields(ws: Workspace, page: JSON) -> list[JSON]:
    schema = _schema(ws, page)
    fields = []
    for i, (name, value) in enumerate(page["properties"].items()):
        config = schema.get(name, {"type": value["type"]})
        kind = value["type"]
        options = None
        if kind in ("select", "status"):
            options = [o["name"] for o in config.get(kind, {}).get("options", [])]
        got = plain_value(value)
        shown = ", ".join(got) if kind == "multi_select" else got
        fields.append(
            {"id": f"prop-{i}", "name": name, "kind": kind, "options": options, "input": INPUTS.get(kind),
             "value": shown if kind in ("checkbox", "people") else ("" if shown is None else str(shown))}
        )  # fmt: skip
    return fields


def _schema(ws: Workspace, page: JSON) -> JSON:
    parent = page["parent"]
    if parent["type"] == "data_source_id":
        return dict(ws.data_sources[parent["data_source_id"]]["properties"])
    return {}


def page_view(ws: Workspace, page: JSON, person: str, note: str = "", error: str = "") -> str:
    names = _names(ws)
    parent = page["parent"]
    if parent["type"] == "data_source_id":
        where = plain(ws.data_sources[parent["data_source_id"]]["title"]) or "a database"
    elif parent["type"] == "page_id" and parent["page_id"] in ws.pages:
        where = title_of(ws.pages[parent["page_id"]]) or "a page"
    else:
        where = "the workspace"
    blocks = [
        line | {"editable": isinstance(ws.blocks[line["id"]].get(line["type"]), dict)
                and "rich_text" in ws.blocks[line["id"]][line["type"]]}
        for line in block_lines(ws, page["id"])
    ]  # fmt: skip
    comments = [
        {"author": names.get(c["created_by"]["id"], "someone"), "text": plain(c["rich_text"])}
        for c in ws.comments.values()
        if page["id"] in (c["parent"].get("page_id"), ws.page_root(c["parent"].get("block_id") or ""))
    ]
    return render(
        "page", heading=title_of(page) or "Untitled", ws=ws, people=_people(ws), person=person,
        home=f"/screen/{quote(ws.key)}/?{urlencode({'as': person})}", note=note, error=error,
        act=f"/screen/{quote(ws.key)}/pages/{quote(page['id'])}", where=where, page_id=page["id"],
        edited_by=names.get(page["last_edited_by"]["id"], "someone"), trashed=page["in_trash"],
        fields=_fields(ws, page), blocks=blocks, comments=comments,
        bot={"id": ws.bot["id"], "name": ws.bot.get("name") or "the agent"},
    )  # fmt: skip


def rich(text: str) -> list[JSON]:
    """``text`` as rich text items, cut at Notion's 2,000 characters per item."""
    return [
        {"text": {"content": text[i : i + MAX_TEXT_CONTENT]}} for i in range(0, len(text), MAX_TEXT_CONTENT)
    ]


def property_changes(ws: Workspace, page: JSON, form: Any) -> JSON:
    """The properties the form changed, as a PATCH /v1/pages body's ``properties`` (the others left
    out, so the event names only what changed)."""
    changed: JSON = {}
    for field in _fields(ws, page):
        name, kind, before = field["name"], field["kind"], field["value"]
        if kind == "checkbox":
            after: Any = name in form
        elif kind == "people":
            after = [uid for uid in form.getlist(name) if uid in ws.people]
        elif field["options"] is not None or field["input"]:
            after = form.get(name, "").strip()
        else:
            continue  # shown, not editable here
        if after != before:
            changed[name] = _value(kind, after, name)
    return changed


def _value(kind: str, after: Any, name: str) -> JSON:
    """One property's request value from what the form holds (an empty field clears it)."""
    if kind == "number" and after:
        try:
            return {"number": float(after) if "." in after else int(after)}
        except ValueError as exc:
            raise ScreenError(f"{name} must be a number, e.g. 3 or 2.5.") from exc
    made: dict[str, Any] = {
        "title": lambda: rich(after),
        "rich_text": lambda: rich(after),
        "checkbox": lambda: after,
        "people": lambda: [{"id": uid} for uid in after],
        "select": lambda: {"name": after} if after else None,
        "status": lambda: {"name": after} if after else None,
        "date": lambda: {"start": after} if after else None,
        "multi_select": lambda: [{"name": n.strip()} for n in after.split(",") if n.strip()],
    }
    return {kind: made[kind]() if kind in made else (after or None)}


def change(ws: Workspace, page: JSON, action: str, form: Any, block_id: str = "") -> tuple[str, str, JSON]:
    """The /v1 call (method, path, body) the screen's ``action`` makes on ``page``."""
    text = str(form.get("text", ""))
    if page["in_trash"] and action not in ("restore", "comment"):
        raise ScreenError("This page is in the trash: restore it before changing it.", 409)
    if action == "text":
        block = ws.blocks.get(block_id)
        if block is None or ws.page_root(block_id) != page["id"]:
            raise ScreenError("That block is not on this page.", 404)
        return "PATCH", f"blocks/{block_id}", {block["type"]: {"rich_text": rich(text)}}
    if action == "append":
        if not text.strip():
            raise ScreenError("Write something to add.")
        body = {"children": [{"paragraph": {"rich_text": rich(text)}}]}
        return "PATCH", f"blocks/{page['id']}/children", body
    if action == "properties":
        return "PATCH", f"pages/{page['id']}", {"properties": property_changes(ws, page, form)}
    if action == "comment":
        mention = str(form.get("mention", ""))
        if not text.strip() and not mention:
            raise ScreenError("Write a comment (or choose someone to mention).")
        items: list[JSON] = []
        if mention:
            if mention not in ws.people and mention != ws.bot["id"]:
                raise ScreenError("Mention someone from the list.")
            items.append({"mention": {"user": {"id": mention}}})
        items += rich((" " if mention else "") + text)
        return "POST", "comments", {"parent": {"page_id": page["id"]}, "rich_text": items}
    if action in ("trash", "restore"):
        return "PATCH", f"pages/{page['id']}", {"in_trash": action == "trash"}
    raise ScreenError("There is no such change.", 404)


def new_page(ws: Workspace, parent: JSON, form: Any) -> tuple[str, str, JSON]:
    """The /v1 call that makes a page titled as the form says: a row of a data source
    (``{"data_source_id"}``, its title property) or a page inside a page (``{"page_id"}``)."""
    title = str(form.get("title", "")).strip()
    if not title:
        raise ScreenError("Give the new page a title.")
    if "data_source_id" in parent:
        source = ws.data_sources[parent["data_source_id"]]
        name = next(
            (n for n, c in source["properties"].items() if c.get("type") == "title" or "title" in c), "Name"
        )
        properties = {name: {"title": rich(title)}}
        return "POST", "pages", {"parent": {"type": "data_source_id", **parent}, "properties": properties}
    body = {"parent": {"type": "page_id", **parent}, "properties": {"title": {"title": rich(title)}}}
    return "POST", "pages", body


def _create(sandbox: Sandbox, ws: Workspace, person: str, form: Any) -> tuple[str, str]:
    """Make the page the form asks for (``data_source_id``: a row; ``page_id``: a page inside it) as
    ``person``, through /v1 so Notion's events go out: its id, and the person."""
    source, inside = str(form.get("data_source_id", "")), str(form.get("page_id", ""))
    if source:
        found(ws.data_sources.get(source), "There is no such database in this workspace.")
        parent = {"data_source_id": source}
    else:
        parent = {"page_id": found(ws.pages.get(inside), "There is no such page in this workspace.")["id"]}
    method, path, body = new_page(ws, parent, form)
    try:
        made_page = sandbox.call(ws, ws.person(person), method, path, body=body, args={})
    except NotionError as error:
        raise ScreenError(error.message, error.status) from None
    return str(made_page["id"]), person


def _after(path: str, person: str, done: str) -> Response:
    """The 303 to ``path`` after a change, acting as ``person``, saying what was ``done``."""
    where = f"{path}?{urlencode({'as': person, 'done': done})}"
    return redirect(where, 303)  # type: ignore[return-value]  # werkzeug's Response is Flask's


def same_site() -> bool:
    """False for a form posted from another site's page (its Origin names another host)."""
    origin = request.headers.get("Origin")
    return not origin or urlsplit(origin).netloc == request.host


def made(sandbox: Sandbox, ws: Workspace, page: JSON, person: str, *, action: str, block_id: str) -> str:
    """Make the change as ``person``; what the screen then says (a key of :data:`DONE`)."""
    method, path, body = change(ws, page, action, request.form, block_id)
    if action == "properties" and not body["properties"]:
        return "unchanged"
    sandbox.call(ws, ws.person(person), method, path, body=body, args={})
    return action


def screen_of_address(sandbox: Sandbox, address: str) -> str:
    """Where Notion's web address of a page (``/<id>`` or ``/<title>-<id>``, its 32 hex digits last)
    opens: the page's screen in whichever workspace holds it, as www.notion.so resolves a page's id;
    "" for no such page. What the product links a page it knows by id alone to on the local stack
    (settings: notion_web_base_url)."""
    match = re.fullmatch(r"(?:[A-Za-z0-9-]*-)?([0-9a-fA-F]{32})", address)
    page_id = normalize_id(match[1]) if match else ""
    with sandbox.lock:
        ws = next((w for w in sandbox.workspaces.values() if page_id in w.pages), None)
    return f"/screen/{quote(ws.key)}/pages/{page_id.replace('-', '')}" if ws else ""


def register_web_addresses(app: Flask, sandbox: Sandbox) -> None:
    """``/<address>``: Notion's web address of a page led to its screen (:func:`screen_of_address`),
    as www.notion.so leads to the page; else a 404 in words."""

    @app.get("/<address>")
    def web_address(address: str) -> Response:
        where = screen_of_address(sandbox, address)
        if not where:
            body = render(
                "workspaces", heading="Not done", error="There is no such page in the sandbox.", workspaces=[]
            )
            return _html(body, 404)
        return redirect(where, 302)  # type: ignore[return-value]  # werkzeug's Response is Flask's


def register_screen(app: Flask, sandbox: Sandbox) -> None:
    """The screen's routes on the sandbox's app (``/screen/``; ``/`` leads there)."""

    def workspace(ref: str) -> Workspace:
        return found(sandbox.find_workspace(ref), f"There is no workspace {ref!r} in the sandbox.")

    def page_of(ws: Workspace, page_id: str) -> JSON:
        return found(ws.pages.get(normalize_id(page_id)), "There is no such page in this workspace.")

    def refused(error: ScreenError) -> Response:
        body = render("workspaces", heading="Not done", error=str(error), workspaces=[])
        return _html(body, error.status)

    @app.get("/")
    def root() -> Response:
        return redirect("/screen/", 302)  # type: ignore[return-value]  # werkzeug's Response is Flask's

    @app.get("/screen/")
    def workspaces() -> Response:
        with sandbox.lock:
            listed = [{"key": w.key, "name": w.name} for w in sandbox.workspaces.values()]
        return _html(render("workspaces", heading="Workspaces", workspaces=listed))

    @app.get("/screen/<ref>/")
    def overview(ref: str) -> Response:
        try:
            with sandbox.lock:
                ws = workspace(ref)
                note = DONE.get(request.args.get("done", ""), "")
                return _html(workspace_view(ws, _person(ws, request.args.get("as")), note))
        except ScreenError as error:
            return refused(error)

    @app.get("/screen/<ref>/pages/<page_id>")
    def show(ref: str, page_id: str) -> Response:
        try:
            with sandbox.lock:
                ws = workspace(ref)
                person = _person(ws, request.args.get("as"))
                note = DONE.get(request.args.get("done", ""), "")
                return _html(page_view(ws, page_of(ws, page_id), person, note))
        except ScreenError as error:
            return refused(error)

    def acting(ref: str) -> tuple[Workspace, str]:
        """A form's workspace and the person it acts as; a form of another site's page is refused."""
        if not same_site():
            raise ScreenError("A form of another site may not change this workspace.", 403)
        ws = workspace(ref)
        return ws, _person(ws, request.form.get("as"))

    @app.post("/screen/<ref>/sign-in")
    def sign_in_next(ref: str) -> Response:
        """Notion's consent screen signs in this person next (a teammate joining the console)."""
        try:
            with sandbox.lock:
                ws, person = acting(ref)
                sandbox.oauth.workspace_id, sandbox.oauth.user_id = ws.id, person
        except ScreenError as error:
            return refused(error)
        return _after(f"/screen/{quote(ref)}/", person, "sign-in")

    @app.post("/screen/<ref>/new")  # a new row of a data source or page inside a page: then its screen
    def create(ref: str) -> Response:
        try:
            with sandbox.lock:
                page_id, person = _create(sandbox, *acting(ref), request.form)
        except ScreenError as error:
            return refused(error)
        return _after(f"/screen/{quote(ref)}/pages/{quote(page_id)}", person, "created")

    @app.post("/screen/<ref>/pages/<page_id>/<action>")
    @app.post("/screen/<ref>/pages/<page_id>/<action>/<block_id>")
    def act(ref: str, page_id: str, action: str, block_id: str = "") -> Response:
        try:
            with sandbox.lock:
                ws, person = acting(ref)
                page = page_of(ws, page_id)
                try:
                    done = made(sandbox, ws, page, person, action=action, block_id=block_id)
                except ScreenError as error:
                    return _html(page_view(ws, page, person, error=str(error)), error.status)
                except NotionError as error:
                    return _html(page_view(ws, page, person, error=error.message), error.status)
        except ScreenError as error:
            return refused(error)
        return _after(f"/screen/{quote(ref)}/pages/{quote(page_id)}", person, done)
