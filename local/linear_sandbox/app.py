"""The Linear sandbox: ``POST /graphql`` executed with graphql-core against Linear's published schema
(:mod:`local.linear_sandbox.schema`), over a small in-memory workspace (one team, its workflow states,
members and labels; issues; webhooks). What the sync relies on, from Linear's documentation:

- a personal API key in ``Authorization`` (no ``Bearer``); an unknown key is HTTP 400 with an
  ``AUTHENTICATION_ERROR`` error, as Linear answers;
- ``issueCreate`` takes the client's ``id``; a second create of the same id is refused
  (``INVALID_INPUT``), never a second issue; ``issueArchive``/``issueUnarchive``; ``webhookCreate`` with
  our signing secret, ``webhookDelete``; ``commentCreate`` on an issue takes the client's ``id`` too (a
  second create of it refused; ``parentId`` a reply), ``comment(id)`` reads one (its ``children``, the
  replies), ``commentDelete`` deletes one; an issue's ``history``: its changes of
  state or title (``IssueHistory``: ``createdAt``, ``actorId``, ``toState``, ``toTitle``), newest first;
- each change of an issue (by the API or by :meth:`LinearSandbox.edit`, a person in Linear's app) makes
  a webhook delivery for each of the team's webhooks, signed as Linear signs
  (``Linear-Signature``: hex HMAC-SHA256 of the body; ``Linear-Delivery``; ``webhookTimestamp`` in ms),
  kept in :attr:`LinearSandbox.outbox` for the test to deliver (late, twice, out of order); its ``data``
  holds the issue's fields and an update's ``updatedFrom`` the changed fields' previous values;
- ``issues(first, after, includeArchived)``: the issues in the order they were made, paged by cursor;
- a person's screen and documented calls (``/_sandbox/screen``, ``/_sandbox/items``:
  :mod:`local.tracker_screen`), whose changes make deliveries as :meth:`LinearSandbox.edit`'s do;
- ``rate_limit(n)``: the next ``n`` requests get HTTP 429 with ``Retry-After``;
- OAuth 2 (:mod:`local.oauth_provider`): ``/oauth/authorize``, ``/oauth/token``, ``/oauth/revoke``; its
  tokens go as ``Authorization: Bearer <token>``, expire after 24 hours and refresh (rotating).

A document that does not validate is answered with its errors and counted in ``schema_errors``."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLSyntaxError, graphql_sync, parse, validate
from werkzeug.wrappers import Request, Response

from local import tracker_screen
from local.linear_sandbox.schema import SCHEMA
from local.oauth_provider import OAuthProvider
from local.tracker_screen import Items
from local.wsgi_thread import ThreadedServer
from shared.sync.domain.linear_events import sign

KEY = "lin_api_sandbox_demo"
TEAM_ID = "7b2a1c4e-0000-4000-8000-00000000a001"
STATES = [
    {"id": f"state-{t}", "name": n, "type": t}
    for t, n in (
        ("backlog", "Backlog"),
        ("unstarted", "Todo"),
        ("started", "In Progress"),
        ("completed", "Done"),
        ("canceled", "Canceled"),
    )
] + [{"id": "state-review", "name": "In Review", "type": "started"}]  # a second state of one type
MEMBERS = [
    {"id": "user-ada", "email": "ada@demo.example", "name": "Ada"},
    {"id": "user-grace", "email": "grace@demo.example", "name": "Grace"},
]
LABELS = [{"id": "label-bug", "name": "Bug"}, {"id": "label-feature", "name": "Feature"}]


class GraphQLError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _errors(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LinearSandbox:
    """The workspace's state, and the counters a test reads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.keys = {KEY: MEMBERS[0]}
        self.issues: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}  # issue id → its changes, newest first
        self.outbox: list[tuple[str, dict[str, str], bytes]] = []
        self.requests = 0
        self.schema_errors = 0
        self.creates = 0
        self.writes_by_api = 0
        self._limited = 0
        # OAuth: a token it issues (sent as ``Bearer <token>``) acts as the first member; 24 hours
        self.oauth = OAuthProvider(
            lambda t: self.keys.__setitem__(f"Bearer {t}", MEMBERS[0]),
            lambda t: self.keys.pop(f"Bearer {t}", None),
            86399.0,
        )

    def rate_limit(self, n: int) -> None:
        self._limited = n

    # --- a person in Linear's app --------------------------------------------------------------
    def edit(self, issue_id: str, **fields: Any) -> None:
        """Change an issue as a person would (``title``, ``stateType`` or ``stateId``, ``priority``,
        ``archived``...)."""
        with self.lock:
            before = dict(self.issues[issue_id])
            self._apply(self.issues[issue_id], fields)
            self._record(before, self.issues[issue_id], MEMBERS[1]["id"])
            self._deliver("update", self.issues[issue_id], before)

    def add_issue(self, title: str, **fields: Any) -> str:
        """An issue a person creates in Linear's app: its id."""
        with self.lock:
            issue_id = str(uuid.uuid4())
            self.issues[issue_id] = self._new(issue_id)
            self._apply(self.issues[issue_id], {"title": title, **fields})
            self._deliver("create", self.issues[issue_id])
            return issue_id

    def view(self, issue_id: str) -> dict[str, Any]:
        """The issue as the API shows it (its state, assignee and labels resolved)."""
        with self.lock:
            return self._view(self.issues[issue_id])

    # --- the GraphQL side ---------------------------------------------------------------------
    def answer(self, key: str | None, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        """One request: its HTTP status, JSON reply and headers."""
        with self.lock:
            self.requests += 1
            refusal = self._refusal(key, body)
            return refusal if refusal is not None else self._execute(body)

    def _refusal(self, key: str | None, body: Any) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if self._limited > 0:
            self._limited -= 1
            return 429, _errors("Rate limit exceeded", "RATELIMITED"), {"Retry-After": "1"}
        if key not in self.keys:
            return 400, _errors("Authentication required", "AUTHENTICATION_ERROR"), {}
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, _errors("Must provide query string.", "BAD_USER_INPUT"), {}
        return None

    def _execute(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            problems = validate(SCHEMA, parse(body["query"]))
        except GraphQLSyntaxError as exc:
            self.schema_errors += 1
            return 400, _errors(str(exc), "GRAPHQL_PARSE_FAILED"), {}
        if problems:
            self.schema_errors += 1
            return (
                400,
                {"errors": [_errors(p.message, "GRAPHQL_VALIDATION_FAILED")["errors"][0] for p in problems]},
                {},
            )
        result = graphql_sync(
            SCHEMA, body["query"], root_value=self._root(), variable_values=body.get("variables")
        )
        if not result.errors:
            return 200, {"data": result.data}, {}
        errors = []
        for e in result.errors:
            code = (
                e.original_error.code
                if isinstance(e.original_error, GraphQLError)
                else "INTERNAL_SERVER_ERROR"
            )
            errors.append(_errors(e.message, code)["errors"][0])
        return 200, {"data": result.data, "errors": errors}, {}

    def _root(self) -> dict[str, Any]:
        viewer = self.keys[KEY]
        return {
            "viewer": lambda info: viewer,
            "team": lambda info, id: self._team(id),
            "issue": lambda info, id: self._view(self._issue(id)),
            "issues": lambda info, **kw: self._list(kw),
            "issueCreate": lambda info, input: self._create(input),
            "issueUpdate": lambda info, id, input: self._update(id, input),
            "issueArchive": lambda info, id, **kw: self._archive(id, True),
            "issueUnarchive": lambda info, id: self._archive(id, False),
            "commentCreate": lambda info, input: self._comment_create(input),
            "comment": lambda info, id=None, **kw: self._comment(id),
            "commentDelete": lambda info, id: self._comment_delete(id),
            "webhookCreate": lambda info, input: self._hook(input),
            "webhookDelete": lambda info, id: self._unhook(id),
        }

    def _list(self, args: dict[str, Any]) -> dict[str, Any]:
        """``issues``: the workspace's issues in the order they were made, archived ones only with
        ``includeArchived``; ``first`` (50 unless said) after the ``after`` cursor (an issue's id)."""
        shown = [i for i in self.issues.values() if args.get("includeArchived") or not i["archivedAt"]]
        ids = [i["id"] for i in shown]
        start = ids.index(args["after"]) + 1 if args.get("after") in ids else 0
        first = max(int(args.get("first") or 50), 0)
        chunk = shown[start : start + first]
        nodes = [self._view(i) for i in chunk]
        info = {
            "hasNextPage": start + first < len(shown),
            "hasPreviousPage": start > 0,
            "startCursor": chunk[0]["id"] if chunk else None,
            "endCursor": chunk[-1]["id"] if chunk else None,
        }
        return {"nodes": nodes, "edges": [{"node": n, "cursor": n["id"]} for n in nodes], "pageInfo": info}

    def items(self) -> Items:
        """The issues as a person sees them on the sandbox's screen (local.tracker_screen)."""

        def listed() -> list[dict[str, str]]:
            with self.lock:
                return [
                    {"id": i["id"], "title": i["title"], "status": self._view(i)["state"]["name"]}
                    for i in self.issues.values()
                    if not i["archivedAt"]
                ]

        def state(name: str | None) -> dict[str, Any]:
            return {"stateId": next(s["id"] for s in STATES if s["name"] == name)} if name else {}

        def edit(issue_id: str, title: str | None, status: str | None) -> None:
            self.edit(issue_id, **({"title": title} if title is not None else {}), **state(status))

        def delivery() -> str:
            with self.lock:
                hooks = len(self.webhooks)
            return f"Each change is signed and sent to the team's webhooks ({hooks} now)."

        return Items(
            "Linear",
            tuple(s["name"] for s in STATES),
            listed,
            lambda title, status: self.add_issue(title, **state(status)),
            edit,
            delivery,
        )

    def _team(self, team_id: str) -> dict[str, Any]:
        if team_id != TEAM_ID:
            raise GraphQLError("Entity not found: Team", "ENTITY_NOT_FOUND")
        return {
            "id": TEAM_ID,
            "name": "Engineering",
            "key": "ENG",
            "states": {"nodes": STATES},
            "members": {"nodes": MEMBERS},
            "labels": {"nodes": LABELS},
        }

    def _issue(self, issue_id: str) -> dict[str, Any]:
        if issue_id not in self.issues:
            raise GraphQLError("Entity not found: Issue", "ENTITY_NOT_FOUND")
        return self.issues[issue_id]

    def _new(self, issue_id: str) -> dict[str, Any]:
        now = _now()
        return {
            "id": issue_id,
            "title": "",
            "description": "",
            "priority": 0,
            "dueDate": None,
            "archivedAt": None,
            "createdAt": now,
            "updatedAt": now,
            "teamId": TEAM_ID,
            "stateId": "state-unstarted",
            "assigneeId": None,
            "labelIds": [],
        }

    def _apply(self, issue: dict[str, Any], data: dict[str, Any]) -> None:
        for name in ("title", "description", "priority", "dueDate", "stateId", "assigneeId", "labelIds"):
            if name in data:
                issue[name] = data[name]
        if "stateType" in data:
            issue["stateId"] = f"state-{data['stateType']}"
        if "assigneeEmail" in data:
            issue["assigneeId"] = next(
                (m["id"] for m in MEMBERS if m["email"] == data["assigneeEmail"]), None
            )
        if "labels" in data:
            issue["labelIds"] = [lab["id"] for lab in LABELS if lab["name"] in data["labels"]]
        if "archived" in data:
            issue["archivedAt"] = _now() if data["archived"] else None
        for state_id in [issue["stateId"]]:
            if not any(s["id"] == state_id for s in STATES):
                raise GraphQLError("Invalid state", "INVALID_INPUT")
        issue["updatedAt"] = _now()

    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        issue_id = data.get("id") or str(uuid.uuid4())
        if issue_id in self.issues:
            raise GraphQLError("Entity with this id already exists", "INVALID_INPUT")
        self._team(data["teamId"])
        issue = self._new(issue_id)
        self._apply(issue, data)
        self.issues[issue_id] = issue
        self.creates += 1
        self.writes_by_api += 1
        self._deliver("create", issue)
        return {"success": True, "issue": self._view(issue)}

    def _update(self, issue_id: str, data: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue(issue_id)
        before = dict(issue)
        self._apply(issue, data)
        self._record(before, issue, MEMBERS[0]["id"])
        self.writes_by_api += 1
        self._deliver("update", issue, before)
        return {"success": True, "issue": self._view(issue)}

    def _record(self, before: dict[str, Any], issue: dict[str, Any], actor: str) -> None:
        """An entry of the issue's history (``IssueHistory``) for a change of its state or title."""
        moved, renamed = before["stateId"] != issue["stateId"], before["title"] != issue["title"]
        if not (moved or renamed):
            return
        entry = {
            "id": str(uuid.uuid4()),
            "createdAt": issue["updatedAt"],
            "actorId": actor,
            "fromStateId": before["stateId"] if moved else None,
            "toStateId": issue["stateId"] if moved else None,
            "toState": next(s for s in STATES if s["id"] == issue["stateId"]) if moved else None,
            "fromTitle": before["title"] if renamed else None,
            "toTitle": issue["title"] if renamed else None,
        }
        self.history.setdefault(issue["id"], []).insert(0, entry)

    def _archive(self, issue_id: str, archived: bool) -> dict[str, Any]:
        issue = self._issue(issue_id)
        self._apply(issue, {"archived": archived})
        self.writes_by_api += 1
        self._deliver("remove" if archived else "update", issue)
        return {"success": True}

    def _comment_create(self, data: dict[str, Any]) -> dict[str, Any]:
        comment_id = data.get("id") or str(uuid.uuid4())
        if comment_id in self.comments:
            raise GraphQLError("Entity with this id already exists", "INVALID_INPUT")
        self._issue(str(data.get("issueId")))
        parent = data.get("parentId")
        if parent is not None:
            self._comment(str(parent))["children"]["nodes"].append({"id": comment_id})
        self.comments[comment_id] = {
            "id": comment_id,
            "body": data.get("body") or "",
            "issueId": data["issueId"],
            "parentId": parent,
            "children": {"nodes": []},
        }
        self.writes_by_api += 1
        return {"success": True, "comment": self.comments[comment_id]}

    def _comment(self, comment_id: str | None) -> dict[str, Any]:
        if comment_id not in self.comments:
            raise GraphQLError("Entity not found: Comment", "ENTITY_NOT_FOUND")
        return self.comments[comment_id]

    def _comment_delete(self, comment_id: str) -> dict[str, Any]:
        comment = self._comment(comment_id)
        parent = comment.get("parentId")
        if parent in self.comments:
            nodes = self.comments[parent]["children"]["nodes"]
            nodes[:] = [n for n in nodes if n["id"] != comment_id]
        del self.comments[comment_id]
        self.writes_by_api += 1
        return {"success": True, "entityId": comment_id, "lastSyncId": 0.0}

    def reply(self, comment_id: str, body: str) -> str:
        """A person's reply in a comment's thread: its id."""
        with self.lock:
            reply_id = str(uuid.uuid4())
            issue = self._comment(comment_id)["issueId"]
            self._comment_create({"id": reply_id, "issueId": issue, "parentId": comment_id, "body": body})
            return reply_id

    def edit_comment(self, comment_id: str, body: str) -> None:
        """A person editing a comment's text."""
        with self.lock:
            self._comment(comment_id)["body"] = body

    def _hook(self, data: dict[str, Any]) -> dict[str, Any]:
        hook_id = str(uuid.uuid4())
        self.webhooks[hook_id] = {"id": hook_id, **data}
        return {"success": True, "webhook": {"id": hook_id}}

    def _unhook(self, hook_id: str) -> dict[str, Any]:
        if self.webhooks.pop(hook_id, None) is None:
            raise GraphQLError("Entity not found: Webhook", "ENTITY_NOT_FOUND")
        return {"success": True}

    def _view(self, issue: dict[str, Any]) -> dict[str, Any]:
        assignee = next((m for m in MEMBERS if m["id"] == issue["assigneeId"]), None)
        state = next(s for s in STATES if s["id"] == issue["stateId"])
        labels = [lab for lab in LABELS if lab["id"] in issue["labelIds"]]
        history = {"nodes": list(self.history.get(issue["id"], []))}  # newest first, as Linear answers
        return {
            **issue,
            "state": state,
            "assignee": assignee,
            "labels": {"nodes": labels},
            "history": history,
        }

    def _deliver(self, action: str, issue: dict[str, Any], before: dict[str, Any] | None = None) -> None:
        """A delivery per webhook of the issue's team: the issue as Linear's IssueWebhookPayload gives it
        (every field its schema says is always there: tests/contract/test_linear_webhooks_contract.py), and
        for an update ``updatedFrom``, the previous values of the fields it changed."""
        data = _payload(issue, list(self.issues).index(issue["id"]) + 1)
        changed = {k: v for k, v in (before or {}).items() if k in _WATCHED and v != issue.get(k)}
        extra = {"updatedFrom": changed | {"updatedAt": (before or {}).get("updatedAt")}} if before else {}
        for hook in self.webhooks.values():
            if hook.get("teamId") not in (None, issue["teamId"]):
                continue
            body = json.dumps(
                {
                    "action": action,
                    "type": "Issue",
                    "data": data,
                    **extra,
                    "url": data["url"],
                    "createdAt": issue["updatedAt"],  # when the change was made
                    "organizationId": "org-sandbox",
                    "webhookId": hook["id"],
                    "webhookTimestamp": int(time.time() * 1000),
                }
            ).encode()
            headers = {
                "Linear-Signature": sign(hook.get("secret") or "", body),
                "Linear-Delivery": str(uuid.uuid4()),
                "Linear-Event": "Issue",
                "Content-Type": "application/json",
            }
            self.outbox.append((hook["url"], headers, body))


_WATCHED = ("title", "description", "priority", "dueDate", "stateId", "assigneeId", "labelIds")
_PRIORITIES = ("No priority", "Urgent", "High", "Medium", "Low")
_KEPT = (
    "id",
    "teamId",
    "createdAt",
    "updatedAt",
    "title",
    "description",
    "assigneeId",
    "stateId",
    "labelIds",
)


def _payload(issue: dict[str, Any], number: int) -> dict[str, Any]:
    """Issue ``issue``, the team's ``number``-th, as a delivery's ``data`` (IssueWebhookPayload)."""
    identifier = f"ENG-{number}"
    state = next(s for s in STATES if s["id"] == issue["stateId"])
    labels = [label | {"color": "#5e6ad2"} for label in LABELS if label["id"] in issue["labelIds"]]
    priority = int(issue.get("priority") or 0)
    return {k: issue[k] for k in _KEPT} | {
        "identifier": identifier,
        "number": number,
        "priority": priority,
        "priorityLabel": _PRIORITIES[priority] if 0 <= priority < len(_PRIORITIES) else "No priority",
        "prioritySortOrder": float(priority),
        "sortOrder": float(number),
        "dueDate": issue.get("dueDate"),
        "previousIdentifiers": [],
        "reactionData": {},
        "releases": [],
        "subscriberIds": [],
        "labels": labels,
        "state": state | {"color": "#bec2c8"},
        "url": f"https://linear.app/sandbox/issue/{identifier}",
    }


def make_app(sandbox: LinearSandbox) -> Any:
    def api(request: Request) -> Response:
        if request.path.rstrip("/") != "/graphql" or request.method != "POST":
            return Response(
                json.dumps({"errors": [{"message": "not found"}]}), 404, mimetype="application/json"
            )
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        status, reply, headers = sandbox.answer(request.headers.get("Authorization"), body)
        return Response(json.dumps(reply), status, headers=headers, mimetype="application/json")

    return tracker_screen.serving(sandbox.items(), api, sandbox.oauth.answer)


class LinearServer(ThreadedServer):
    """Serves a sandbox on 127.0.0.1:``port`` (0: a free one) from a background thread."""

    def __init__(self, sandbox: LinearSandbox | None = None, port: int = 0) -> None:
        self.sandbox = sandbox or LinearSandbox()
        super().__init__(make_app(self.sandbox), "linear-sandbox", port)
