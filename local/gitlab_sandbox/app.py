"""The GitLab sandbox: ``/api/v4`` over a small in-memory instance (one project, its members, issues and
webhooks). What the sync relies on, from GitLab's REST API documentation:

- a token in ``PRIVATE-TOKEN`` (or ``Authorization: Bearer``); an unknown one is HTTP 401
  ``{"message": "401 Unauthorized"}``; a missing project, issue or hook 404 ``{"message": "404 ...
  Not Found"}``; a project webhook needs the Maintainer role (403 for a Developer's token);
- ``GET /user``; ``GET /projects/:id`` by number or URL-encoded path; ``GET /projects/:id/members/all``
  (no emails: ``GET /users/:id`` shows a member's ``public_email``);
- issues: ``GET /projects/:id/issues`` (``author_id``, ``created_after``, ``order_by``, ``sort``,
  ``state``), ``GET``/``PUT /projects/:id/issues/:iid``, ``POST /projects/:id/issues`` (201; GitLab
  chooses the ``iid``: a second create is a second issue), ``state_event`` close/reopen, ``labels`` as
  a comma-separated list, ``assignee_ids``, ``due_date``; ``title`` is required (400 ``title is
  missing``); notes: ``GET``/``POST /projects/:id/issues/:iid/notes`` (201; ``body`` required, 400
  ``body is missing``; GitLab chooses the note's ``id``), ``GET``/``DELETE .../notes/:note_id``
  (204; another user's note: 403); ``GET .../issues/:iid/resource_state_events``
  (each close or reopen: ``user``, ``created_at``, ``state`` closed/reopened);
- offset pagination: ``per_page`` (default 20, at most 100) and ``page``, answered with ``X-Page``,
  ``X-Per-Page``, ``X-Next-Page`` (empty on the last page), ``X-Prev-Page``, ``X-Total``,
  ``X-Total-Pages`` and a ``Link`` header;
- ``POST /projects/:id/hooks`` (201; the ``token`` is never shown back), ``DELETE .../hooks/:id`` (204);
- each change of an issue (by the API or by :meth:`GitLabSandbox.edit`, a person in GitLab) makes an
  Issue Hook delivery for each hook with ``issues_events``: ``X-Gitlab-Event: Issue Hook``,
  ``X-Gitlab-Token`` (the hook's token), ``X-Gitlab-Event-UUID``, ``X-Gitlab-Webhook-UUID``,
  ``Idempotency-Key`` and a body with ``object_kind: issue``, ``project``, ``object_attributes``
  (``iid``, ``action`` open/close/reopen/update), kept in :attr:`GitLabSandbox.outbox`;
- ``rate_limit(n)``: the next ``n`` requests get HTTP 429 with ``Retry-After`` and ``RateLimit-*``;
- a person's screen and documented calls (``/_sandbox/screen``, ``/_sandbox/items``:
  :mod:`local.tracker_screen`), whose changes make deliveries as :meth:`GitLabSandbox.edit`'s do;
- the project's repository, merge requests and pipelines: :mod:`local.gitlab_sandbox.code`;
- OAuth 2 (:mod:`local.oauth_provider`): ``/oauth/authorize``, ``/oauth/token`` (PKCE, refresh tokens
  that rotate, access tokens of 2 hours), ``/oauth/revoke``."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode

from werkzeug.wrappers import Request, Response

from local import tracker_screen
from local.oauth_provider import OAuthProvider
from local.tracker_screen import Items
from local.wsgi_thread import ThreadedServer

TOKEN = "glpat-sandbox-maintainer-0001"
DEVELOPER_TOKEN = "glpat-sandbox-developer-0002"
PROJECT_ID = 4242
PROJECT_PATH = "demo/tasks"
USERS = [
    {"id": 11, "username": "ada", "name": "Ada", "public_email": "ada@demo.example"},
    {"id": 12, "username": "grace", "name": "Grace", "public_email": "grace@demo.example"},
    {"id": 13, "username": "bot", "name": "Bot", "public_email": ""},
]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Refusal(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status, self.body = status, body


def _not_found(what: str) -> Refusal:
    return Refusal(404, {"message": f"404 {what} Not Found"})


class GitLabSandbox:
    """The instance's state, and the counters a test reads."""

    # The project's repository, merge requests and pipelines: local.gitlab_sandbox.code's GitLabCode,
    # set by the package (that module imports this one).
    code_factory: ClassVar[Callable[[GitLabSandbox], Any]]

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tokens = {TOKEN: (USERS[0], 40), DEVELOPER_TOKEN: (USERS[1], 30)}  # user, access level
        self.project_path = PROJECT_PATH  # may be set to a path in nested groups (group/sub/name)
        self.issues: dict[int, dict[str, Any]] = {}  # iid → issue
        self.hooks: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}  # iid → its notes, oldest first
        self.state_events: dict[int, list[dict[str, Any]]] = {}  # iid → its closes and reopens, oldest first
        self.outbox: list[tuple[str, dict[str, str], bytes]] = []
        self.requests = 0
        self.creates = 0
        self.writes_by_api = 0
        self._limited = 0
        self._next_id = 1
        self.code: Any = GitLabSandbox.code_factory(self)
        # OAuth: a token it issues acts as the first user, a Maintainer; it expires after 2 hours
        self.oauth = OAuthProvider(
            lambda t: self.tokens.__setitem__(t, (USERS[0], 40)), lambda t: self.tokens.pop(t, None), 7200.0
        )

    def rate_limit(self, n: int) -> None:
        self._limited = n

    # --- a person in GitLab ----------------------------------------------------------------------
    def add_issue(self, title: str, **fields: Any) -> int:
        """An issue a person makes in GitLab (``description``, ``state``, ``assignee``...): its iid."""
        with self.lock:
            issue = self._new({"title": title}, USERS[1])
            self._apply(issue, fields)
            self._deliver("open", issue)
            return int(issue["iid"])

    def edit(self, iid: int, **fields: Any) -> None:
        """Change an issue as a person would (``title``, ``state`` opened/closed, ``labels``, ...)."""
        with self.lock:
            issue = self.issues[iid]
            before = issue["state"]
            self._apply(issue, fields)
            self._state_event(before, issue, USERS[1])
            self._deliver(_action(before, issue["state"]), issue)

    def view(self, iid: int) -> dict[str, Any]:
        """The issue as the API shows it (assignees, author resolved)."""
        with self.lock:
            return self._view(self.issues[iid])

    def items(self) -> Items:
        """The issues as a person sees them on the sandbox's screen (local.tracker_screen)."""

        def listed() -> list[dict[str, str]]:
            with self.lock:
                return [
                    {"id": str(i["iid"]), "title": i["title"], "status": i["state"]}
                    for i in self.issues.values()
                ]

        def edit(iid: str, title: str | None, status: str | None) -> None:
            fields = {"title": title} if title is not None else {}
            self.edit(int(iid), **fields, **({"state": status} if status else {}))

        def delivery() -> str:
            with self.lock:
                hooks = sum(1 for h in self.hooks.values() if h["issues_events"])
            return f"Each change is sent to the project's issue webhooks ({hooks} now) with their token."

        return Items(
            "GitLab",
            ("opened", "closed"),
            listed,
            lambda title, status: str(self.add_issue(title, **({"state": status} if status else {}))),
            edit,
            delivery,
        )

    # --- the REST side -----------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        """One request: its HTTP status, JSON reply and headers."""
        with self.lock:
            self.requests += 1
            if self._limited > 0:
                self._limited -= 1
                limits = {"Retry-After": "1", "RateLimit-Limit": "2000", "RateLimit-Remaining": "0"}
                return 429, {"message": "429 Too Many Requests"}, limits
            token = headers.get("PRIVATE-TOKEN") or (headers.get("Authorization") or "").removeprefix(
                "Bearer "
            )
            if token not in self.tokens:
                return 401, {"message": "401 Unauthorized"}, {}
            try:
                user, level = self.tokens[token]
                return self._route(method, path, query, body, user=user, level=level)
            except Refusal as refusal:
                return refusal.status, refusal.body, {}

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: dict[str, Any],
        *,
        user: dict[str, Any],
        level: int,
    ) -> tuple[int, Any, dict[str, str]]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts == ["user"] and method == "GET":
            return 200, _user(user), {}
        if parts[:1] == ["users"] and len(parts) == 2 and method == "GET":
            found = next((u for u in USERS if str(u["id"]) == parts[1]), None)
            if found is None:
                raise _not_found("User")
            return 200, {**_user(found), "public_email": found["public_email"]}, {}
        if parts[0] != "projects" or len(parts) < 2 or parts[1] not in (str(PROJECT_ID), self.project_path):
            raise _not_found("Project")
        rest = parts[2:]
        if not rest and method == "GET":
            project = {"id": PROJECT_ID, "path_with_namespace": self.project_path, "name": "Tasks"}
            return 200, {**project, "default_branch": "main"}, {}
        if rest == ["members", "all"] and method == "GET":
            members = [{**_user(u), "access_level": 30, "state": "active"} for u in USERS]
            return _page(members, query)
        if rest[:1] != ["hooks"]:  # the issues; the repository, merge requests, pipelines and jobs (or 404)
            issues = rest[:1] == ["issues"]
            answer = self._issues(method, rest[1:], query, body, user) if issues else None
            return answer or self.code.answer(method, rest, query, body, user)
        if level < 40:  # the project's webhooks
            raise Refusal(403, {"message": "403 Forbidden"})
        return self._hooks(method, rest[1:], body)

    def _issues(
        self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any], user: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        if not rest and method == "GET":
            found = [self._view(i) for i in self.issues.values() if _matches(i, query)]
            found.sort(key=lambda i: i["created_at"], reverse=query.get("sort", "desc") == "desc")
            return _page(found, query)
        if not rest and method == "POST":
            if not str(body.get("title") or "").strip():
                raise Refusal(400, {"error": "title is missing"})
            issue = self._new(body, user)
            self.creates += 1
            self.writes_by_api += 1
            self._deliver("open", issue)
            return 201, self._view(issue), {}
        if len(rest) not in (1, 2, 3) or not rest[0].isdigit() or int(rest[0]) not in self.issues:
            raise _not_found("Issue")
        issue = self.issues[int(rest[0])]
        if rest[1:2] == ["notes"]:
            if len(rest) == 3:
                return self._note(method, issue["iid"], rest[2], user)
            return self._notes(method, issue["iid"], query, body, user)
        if rest[1:] == ["resource_state_events"] and method == "GET":
            return _page(list(self.state_events.get(issue["iid"], [])), query)
        if len(rest) != 1:
            raise _not_found("Issue")
        return self._issue(method, issue, body, user)

    def _issue(
        self, method: str, issue: dict[str, Any], body: dict[str, Any], user: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        """One issue, read (``GET``) or changed (``PUT``)."""
        if method == "GET":
            return 200, self._view(issue), {}
        if method == "PUT":
            before = issue["state"]
            self._apply(issue, _params(body))
            self._state_event(before, issue, user)
            self.writes_by_api += 1
            self._deliver(_action(before, issue["state"]), issue)
            return 200, self._view(issue), {}
        raise Refusal(405, {"error": "405 Method Not Allowed"})

    def _note(
        self, method: str, iid: int, note_id: str, user: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        """One note: read (``GET``) or deleted (``DELETE``, 204; only by its author, else 403)."""
        notes = self.notes.setdefault(iid, [])
        found = next((n for n in notes if str(n["id"]) == note_id), None)
        if found is None:
            raise _not_found("Note")
        if method == "GET":
            return 200, dict(found), {}
        if method != "DELETE":
            raise Refusal(405, {"error": "405 Method Not Allowed"})
        if found["author"]["id"] != user["id"]:
            raise Refusal(403, {"message": "403 Forbidden"})
        notes.remove(found)
        self.writes_by_api += 1
        return 204, None, {}

    def edit_note(self, iid: int, note_id: int, body: str) -> None:
        """A person (an admin) editing a note's text."""
        with self.lock:
            next(n for n in self.notes[iid] if n["id"] == note_id)["body"] = body

    def _state_event(self, before: str, issue: dict[str, Any], user: dict[str, Any]) -> None:
        """A resource state event (``closed``, ``reopened``) when the issue's state changed."""
        if before == issue["state"]:
            return
        events = self.state_events.setdefault(issue["iid"], [])
        events.append(
            {
                "id": 5000 + sum(len(e) for e in self.state_events.values()),
                "user": _user(user),
                "created_at": issue["updated_at"],
                "resource_type": "Issue",
                "resource_id": issue["id"],
                "state": "closed" if issue["state"] == "closed" else "reopened",
            }
        )

    def _notes(
        self, method: str, iid: int, query: dict[str, str], body: dict[str, Any], user: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        notes = self.notes.setdefault(iid, [])
        if method == "GET":
            return _page(list(notes), query)
        if method != "POST":
            raise Refusal(405, {"error": "405 Method Not Allowed"})
        if not str(body.get("body") or "").strip():
            raise Refusal(400, {"error": "body is missing"})
        note_id = 1000 + sum(len(n) for n in self.notes.values())  # notes' ids: GitLab's own sequence
        note = {"id": note_id, "body": str(body["body"]), "author": _user(user), "created_at": _now()}
        notes.append(note)
        self.writes_by_api += 1
        return 201, dict(note), {}

    def _hooks(self, method: str, rest: list[str], body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not rest and method == "POST":
            if not str(body.get("url") or "").startswith(("http://", "https://")):
                raise Refusal(400, {"error": "url is missing"})
            hook_id = len(self.hooks) + 1 + max(self.hooks, default=0)
            self.hooks[hook_id] = {
                "id": hook_id,
                "url": body["url"],
                "token": str(body.get("token") or ""),
                "issues_events": bool(body.get("issues_events", False)),
                "pipeline_events": bool(body.get("pipeline_events", False)),
                "uuid": str(uuid.uuid4()),
            }
            shown = {k: v for k, v in self.hooks[hook_id].items() if k not in ("token", "uuid")}
            return 201, {**shown, "project_id": PROJECT_ID}, {}
        if len(rest) == 1 and rest[0].isdigit() and method == "DELETE":
            if self.hooks.pop(int(rest[0]), None) is None:
                raise _not_found("Hook")
            return 204, None, {}
        raise _not_found("Hook")

    def _new(self, body: dict[str, Any], author: dict[str, Any]) -> dict[str, Any]:
        iid = self._next_id
        self._next_id += 1
        now = _now()
        issue: dict[str, Any] = {
            "id": 900000 + iid,
            "iid": iid,
            "project_id": PROJECT_ID,
            "title": "",
            "description": None,
            "state": "opened",
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "labels": [],
            "assignee_ids": [],
            "author_id": author["id"],
            "due_date": None,
        }
        self.issues[iid] = issue
        self._apply(issue, _params(body))
        return issue

    def _apply(self, issue: dict[str, Any], data: dict[str, Any]) -> None:
        for name in ("title", "description"):
            if name in data:
                issue[name] = data[name]
        if "due_date" in data:
            due = data["due_date"] or None
            if due is not None and not _DATE.fullmatch(str(due)):
                raise Refusal(400, {"error": "due_date is invalid"})
            issue["due_date"] = due
        if "labels" in data:
            names = (
                data["labels"] if isinstance(data["labels"], list) else str(data["labels"] or "").split(",")
            )
            issue["labels"] = sorted({n.strip() for n in names if n.strip()})
        if "assignee_ids" in data:
            ids = [int(i) for i in data["assignee_ids"] or [] if str(i).isdigit()]
            issue["assignee_ids"] = [i for i in ids if any(u["id"] == i for u in USERS)][:1]
        if "assignee" in data:  # a person's edit, by email
            issue["assignee_ids"] = [u["id"] for u in USERS if u["public_email"] == data["assignee"]]
        event = data.get("state_event") or {"opened": "reopen", "closed": "close"}.get(data.get("state", ""))
        if event is not None:
            if event not in ("close", "reopen"):
                raise Refusal(400, {"error": "state_event does not have a valid value"})
            issue["state"] = "closed" if event == "close" else "opened"
            issue["closed_at"] = _now() if event == "close" else None
        issue["updated_at"] = _now()

    def _view(self, issue: dict[str, Any]) -> dict[str, Any]:
        assignees = [_user(u) for u in USERS if u["id"] in issue["assignee_ids"]]
        author = next(u for u in USERS if u["id"] == issue["author_id"])
        shown = {k: v for k, v in issue.items() if k not in ("assignee_ids", "author_id")}
        return {
            **shown,
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
            "author": _user(author),
            "web_url": f"https://gitlab.example/{self.project_path}/-/issues/{issue['iid']}",
        }

    def _deliver(self, action: str, issue: dict[str, Any]) -> None:
        event = str(uuid.uuid4())
        for hook in self.hooks.values():
            if not hook["issues_events"]:
                continue
            view = self._view(issue)
            body = json.dumps(
                {
                    "object_kind": "issue",
                    "event_type": "issue",
                    "user": _user(USERS[0]),
                    "project": {"id": PROJECT_ID, "path_with_namespace": self.project_path},
                    "object_attributes": {
                        **{k: view[k] for k in ("id", "iid", "title", "state", "updated_at", "due_date")},
                        "project_id": PROJECT_ID,
                        "action": action,
                    },
                    "labels": [{"title": n} for n in issue["labels"]],
                }
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "GitLab/18.6.0",
                "X-Gitlab-Event": "Issue Hook",
                "X-Gitlab-Token": hook["token"],
                "X-Gitlab-Instance": "https://gitlab.example",
                "X-Gitlab-Webhook-UUID": hook["uuid"],
                "X-Gitlab-Event-UUID": event,
                "Idempotency-Key": str(uuid.uuid4()),
            }
            self.outbox.append((hook["url"], headers, body))


def _user(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "username": user["username"], "name": user["name"]}


def _action(before: str, after: str) -> str:
    if before != after:
        return "close" if after == "closed" else "reopen"
    return "update"


def _params(body: dict[str, Any]) -> dict[str, Any]:
    """GitLab ignores parameters it does not know; these are the ones an issue's create and edit take."""
    known = ("title", "description", "state_event", "labels", "assignee_ids", "due_date")
    return {k: body[k] for k in known if k in body}


def _matches(issue: dict[str, Any], query: dict[str, str]) -> bool:
    if "author_id" in query and str(issue["author_id"]) != query["author_id"]:
        return False
    if "created_after" in query and _parse(issue["created_at"]) < _parse(query["created_after"]):
        return False
    return query.get("state", "all") in ("all", issue["state"])


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    """One page of ``items`` with GitLab's offset-pagination headers."""
    per_page = min(max(int(query.get("per_page", "20") or 20), 1), 100)
    page = max(int(query.get("page", "1") or 1), 1)
    total_pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    nxt = str(page + 1) if page < total_pages else ""
    links = [f'<?{urlencode({**query, "page": page + 1})}>; rel="next"'] if nxt else []
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": nxt,
        "X-Prev-Page": str(page - 1) if page > 1 else "",
        "X-Total": str(len(items)),
        "X-Total-Pages": str(total_pages),
        "Link": ", ".join(links),
    }
    return 200, chunk, headers


def _raw_path(request: Request) -> str:
    """The path as sent, its %2F kept: GitLab takes a project's path URL-encoded in one segment."""
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path)
    return raw.split("?", 1)[0]


def make_app(sandbox: GitLabSandbox) -> Any:
    def api(request: Request) -> Response:
        if not request.path.startswith("/api/v4/"):
            return Response(json.dumps({"error": "404 Not Found"}), 404, mimetype="application/json")
        if request.mimetype == "application/json":
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return Response(json.dumps({"error": "invalid JSON"}), 400, mimetype="application/json")
        else:
            body = {k: v for k, v in request.form.items()}
        status, reply, headers = sandbox.answer(
            request.method,
            _raw_path(request).removeprefix("/api/v4"),
            dict(request.args),
            request.headers,
            body if isinstance(body, dict) else {},
        )
        if isinstance(reply, str):  # a job's log: plain text
            return Response(reply, status, headers=headers, mimetype="text/plain")
        payload = "" if reply is None else json.dumps(reply)
        return Response(payload, status, headers=headers, mimetype="application/json")

    return tracker_screen.serving(sandbox.items(), api, sandbox.oauth.answer)


class GitLabServer(ThreadedServer):
    """Serves a sandbox on 127.0.0.1:``port`` (0: a free one) from a background thread."""

    def __init__(self, sandbox: GitLabSandbox | None = None, port: int = 0) -> None:
        self.sandbox = sandbox or GitLabSandbox()
        super().__init__(make_app(self.sandbox), "gitlab-sandbox", port)
