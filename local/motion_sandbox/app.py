"""The Motion sandbox: ``/v1`` over a small in-memory Motion (two accounts, a workspace each, their users,
statuses and tasks). What the sync relies on, from Motion's REST API reference (docs.usemotion.com,
"Motion REST API") and its published limits:

- the key in ``X-API-Key``; none or an unknown one is HTTP 401; a missing task 404;
- ``GET /users/me``; ``GET /workspaces`` and ``GET /users?workspaceId=`` as ``{<items>, meta:
  {nextCursor, pageSize}}``; ``GET /statuses?workspaceId=`` (``name``, ``isDefaultStatus``,
  ``isResolvedStatus``);
- tasks: ``GET /tasks?workspaceId=&cursor=`` (resolved ones only with ``includeAllStatuses=true``),
  ``GET``/``PATCH``/``DELETE /tasks/{id}``, ``POST /tasks`` (``name`` and ``workspaceId`` required;
  Motion chooses the id: a second create is a second task), ``DELETE /tasks/{id}/assignee``. The
  description is taken as Markdown and answered as HTML (a link as ``<a href>``); ``priority`` is ASAP,
  HIGH, MEDIUM or LOW; ``status`` a name of the workspace's; ``dueDate`` ISO 8601; ``labels`` names;
- the rate limit: 12 requests a minute for an individual account, 120 for a team's, as Motion publishes
  them (its API settings page; restated by client libraries, e.g. the RF-D/motion-mcp server's
  MOTION_RATE_LIMIT_PER_MINUTE: "12 for individual accounts, 120 for team accounts"). Past it: HTTP 429.
  The window here is a rolling minute per key (the docs give a rate, not the window's shape); the 429
  carries no Retry-After (none is documented), so a client waits the minute. ``rate_limit(n)`` refuses
  the next ``n`` requests the same way;
- comments: ``GET /comments?taskId=&cursor=`` as ``{comments, meta}`` and ``POST /comments``
  (``taskId`` and ``content`` required; Markdown in, HTML out; Motion chooses the id), each comment
  ``{id, taskId, content, createdAt, creator}`` (the reference's "Comments": "Get Comments", "Create
  Comment");
- a person's screen and documented calls over the team workspace's tasks (``/_sandbox/screen``,
  ``/_sandbox/items``: :mod:`local.tracker_screen`), outside ``/v1`` and its rate limit;
- a request outside this documented set (another path, method, query or body field) is answered 400 and
  kept in :attr:`MotionSandbox.undocumented`: the test of our adapter asserts it stays empty."""

from __future__ import annotations

import base64
import html
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from local import tracker_screen
from local.tracker_screen import Items
from local.wsgi_thread import ThreadedServer

KEY = "motion-sandbox-team-key-0001"  # a team account's key: 120 requests a minute
INDIVIDUAL_KEY = "motion-sandbox-individual-key-0002"  # an individual's: 12 a minute
WORKSPACE_ID = "ws-team-demo"
PERSONAL_WORKSPACE_ID = "ws-personal-ada"
USERS = [
    {"id": "u-ada", "name": "Ada", "email": "ada@demo.example"},
    {"id": "u-grace", "name": "Grace", "email": "grace@demo.example"},
]
STATUSES = [
    {"name": "Todo", "isDefaultStatus": True, "isResolvedStatus": False},
    {"name": "In Progress", "isDefaultStatus": False, "isResolvedStatus": False},
    {"name": "Completed", "isDefaultStatus": False, "isResolvedStatus": True},
    {"name": "Canceled", "isDefaultStatus": False, "isResolvedStatus": True},
]
PRIORITIES = ("ASAP", "HIGH", "MEDIUM", "LOW")
PAGE_SIZE = 50
# What the reference documents of each operation the sync uses: its query parameters and body fields.
_TASK_FIELDS = {"name", "workspaceId", "dueDate", "duration", "status", "autoScheduled", "projectId"}
_TASK_FIELDS |= {"description", "priority", "labels", "assigneeId"}
DOCUMENTED: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {
    ("GET", "/users/me"): (frozenset(), frozenset()),
    ("GET", "/users"): (frozenset({"workspaceId", "teamId", "cursor"}), frozenset()),
    ("GET", "/workspaces"): (frozenset({"cursor", "ids"}), frozenset()),
    ("GET", "/statuses"): (frozenset({"workspaceId"}), frozenset()),
    ("GET", "/tasks"): (
        frozenset({"workspaceId", "cursor", "includeAllStatuses", "label", "status", "projectId"})
        | {"name", "assigneeId"},
        frozenset(),
    ),
    ("POST", "/tasks"): (frozenset(), frozenset(_TASK_FIELDS)),
    ("GET", "/tasks/{id}"): (frozenset(), frozenset()),
    ("PATCH", "/tasks/{id}"): (frozenset(), frozenset(_TASK_FIELDS - {"workspaceId"})),
    ("DELETE", "/tasks/{id}"): (frozenset(), frozenset()),
    ("DELETE", "/tasks/{id}/assignee"): (frozenset(), frozenset()),
    ("GET", "/comments"): (frozenset({"taskId", "cursor"}), frozenset()),
    ("POST", "/comments"): (frozenset(), frozenset({"taskId", "content"})),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^()\s]+)\)")


def _line(text: str) -> str:
    """One line as HTML: a Markdown link ``[text](url)`` becomes ``<a href>``, the rest is escaped."""
    parts, at = [], 0
    for found in _LINK.finditer(text):
        label, url = html.escape(found.group(1)), html.escape(found.group(2), quote=True)
        parts += [html.escape(text[at : found.start()]), f'<a href="{url}">{label}</a>']
        at = found.end()
    return "".join(parts) + html.escape(text[at:])


def to_html(markdown: str) -> str:
    """Motion's answer for a Markdown description or comment: a paragraph per block, line breaks kept,
    links as ``<a href>`` (what our signature relies on); any other Markdown is kept as escaped text."""
    blocks = [b for b in re.split(r"\n\s*\n", markdown.strip()) if b.strip()]
    return "".join(f"<p>{'<br>'.join(_line(x) for x in b.split(chr(10)))}</p>" for b in blocks)


class MotionSandbox:
    """Motion's state, and the counters a test reads. ``clock``: the rate windows' time (seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.accounts = {
            KEY: (USERS[0], WORKSPACE_ID, 120),
            INDIVIDUAL_KEY: (USERS[0], PERSONAL_WORKSPACE_ID, 12),
        }
        self.workspaces: dict[str, dict[str, Any]] = {
            WORKSPACE_ID: {"id": WORKSPACE_ID, "name": "Demo team", "teamId": "team-demo", "type": "TEAM"},
            PERSONAL_WORKSPACE_ID: {
                "id": PERSONAL_WORKSPACE_ID,
                "name": "Ada's",
                "teamId": None,
                "type": "INDIVIDUAL",
            },
        }
        self.tasks: dict[str, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.undocumented: list[str] = []
        self.windows: dict[str, deque[float]] = {}
        self.requests = 0
        self.creates = 0
        self.writes_by_api = 0
        self.refused_for_rate = 0  # 429s of the rolling window (not those of rate_limit)
        self._limited = 0

    def rate_limit(self, n: int) -> None:
        self._limited = n

    # --- a person in Motion ------------------------------------------------------------------------
    def add_task(self, name: str, **fields: Any) -> str:
        """A task a person makes in the team workspace (fields as the API's): its id."""
        with self.lock:
            return str(self._new({"name": name, "workspaceId": WORKSPACE_ID, **fields}, USERS[1])["id"])

    def edit(self, task_id: str, **fields: Any) -> None:
        """Change a task as a person would (the API's fields: ``name``, ``status``, ``priority``...)."""
        with self.lock:
            self._apply(self.tasks[task_id], fields)

    def comment(self, task_id: str, text: str) -> str:
        """A comment a person (Grace) writes on a task in Motion: its id."""
        with self.lock:
            made = {
                "id": f"cm_{uuid.uuid4().hex[:20]}",
                "taskId": task_id,
                "content": to_html(text),
                "createdAt": _now(),
                "creator": {k: USERS[1][k] for k in ("id", "name", "email")},
            }
            self.comments.append(made)
            return str(made["id"])

    def items(self) -> Items:
        """The team workspace's tasks as a person sees them on the sandbox's screen (local.tracker_screen)."""

        def listed() -> list[dict[str, str]]:
            with self.lock:
                return [
                    {"id": t["id"], "title": t["name"], "status": t["status"]["name"]}
                    for t in self.tasks.values()
                    if t["workspace_id"] == WORKSPACE_ID
                ]

        def edit(task_id: str, title: str | None, status: str | None) -> None:
            fields = {"name": title} if title is not None else {}
            self.edit(task_id, **fields, **({"status": status} if status else {}))

        return Items(
            "Motion",
            tuple(str(s["name"]) for s in STATUSES),
            listed,
            lambda title, status: self.add_task(title, **({"status": status} if status else {})),
            edit,
            lambda: "Motion sends no webhooks: Notion Agent lists the workspace's tasks every minute.",
        )

    # --- the REST side -----------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, str], key: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        """One request: its HTTP status and JSON reply."""
        with self.lock:
            self.requests += 1
            if key not in self.accounts:
                return 401, {"message": "Unauthorized"}
            user, workspace_id, per_minute = self.accounts[key]
            if not self._admit(key, per_minute):
                return 429, {"message": "Too Many Requests"}
            shape = "/tasks/{id}/assignee" if path.endswith("/assignee") else path
            shape = "/tasks/{id}" if re.fullmatch(r"/tasks/[^/]+", path) else shape
            allowed = DOCUMENTED.get((method, shape))
            extra = (set(query) - allowed[0]) | (set(body) - allowed[1]) if allowed else set()
            if allowed is None or extra:
                self.undocumented.append(f"{method} {shape} {sorted(extra)}")
                return 400, {"message": f"not a documented request: {method} {shape} {sorted(extra)}"}
            try:
                return self._dispatch(method, shape, path, query, body=body, account=(user, workspace_id))
            except Refusal as refusal:
                return refusal.status, {"message": refusal.message}

    def _dispatch(
        self,
        method: str,
        shape: str,
        path: str,
        query: dict[str, str],
        *,
        body: dict[str, Any],
        account: tuple[dict[str, Any], str],
    ) -> tuple[int, Any]:
        """A documented request of ``account`` (its user and workspace): its status and reply."""
        user, workspace_id = account
        if method == "GET" and shape in ("/users/me", "/workspaces", "/users", "/statuses", "/tasks"):
            return 200, self._list(shape, query, user, workspace_id)
        if shape == "/comments":
            return self._comments(method, query, body, user, workspace_id)
        if shape == "/tasks":
            if body.get("workspaceId") != workspace_id:
                raise Refusal(400, "workspaceId: not a workspace of this key")
            task = self._new(body, user)
            self.creates += 1
            self.writes_by_api += 1
            return 201, self._view(task)
        return self._task(method, shape, path.split("/")[2], body, workspace_id)

    def _admit(self, key: str, per_minute: int) -> bool:
        """Whether the key's rolling minute has room for one more request (then counted), and no
        refusal is due from :meth:`rate_limit`."""
        window = self.windows.setdefault(key, deque())
        now = self.clock()
        while window and window[0] <= now - 60.0:
            window.popleft()
        if self._limited > 0:
            self._limited -= 1
            return False
        if len(window) >= per_minute:
            self.refused_for_rate += 1
            return False
        window.append(now)
        return True

    def _list(self, shape: str, query: dict[str, str], user: dict[str, Any], workspace_id: str) -> Any:
        """A GET of the key's user, its workspaces, or a workspace's users, statuses or tasks."""
        if shape == "/users/me":
            return dict(user)
        if shape == "/workspaces":
            return self._page([self._workspace(workspace_id)], query, "workspaces")
        if query.get("workspaceId") != workspace_id:
            raise Refusal(400, "workspaceId: not a workspace of this key")
        if shape == "/users":
            return self._page([dict(u) for u in USERS], query, "users")
        if shape == "/statuses":
            return [dict(s) for s in STATUSES]
        every = query.get("includeAllStatuses") == "true"
        shown = [
            self._view(t)
            for t in self.tasks.values()
            if t["workspace_id"] == workspace_id and (every or not t["status"]["isResolvedStatus"])
        ]
        return self._page(shown, query, "tasks")

    def _task(
        self, method: str, shape: str, task_id: str, body: dict[str, Any], workspace_id: str
    ) -> tuple[int, Any]:
        """A GET, PATCH or DELETE of one task, or its unassign."""
        task = self.tasks.get(task_id)
        if task is None or task["workspace_id"] != workspace_id:
            raise Refusal(404, "Task not found")
        if method == "GET":
            return 200, self._view(task)
        if shape == "/tasks/{id}/assignee":
            self._apply(task, {"assignee": ""})
        elif method == "PATCH":
            self._apply(task, body)
        else:
            del self.tasks[task_id]
            return 204, None
        self.writes_by_api += 1
        return (200, self._view(task)) if method == "PATCH" else (204, None)

    def _comments(
        self,
        method: str,
        query: dict[str, str],
        body: dict[str, Any],
        user: dict[str, Any],
        workspace_id: str,
    ) -> tuple[int, Any]:
        """A task's comments (a GET, oldest first), or a new one (a POST: Markdown in, HTML out)."""
        task_id = str((query if method == "GET" else body).get("taskId") or "")
        task = self.tasks.get(task_id)
        if task is None or task["workspace_id"] != workspace_id:
            raise Refusal(
                400 if not task_id else 404, "taskId: no such task" if task_id else "taskId is required"
            )
        if method == "GET":
            return 200, self._page(
                [dict(c) for c in self.comments if c["taskId"] == task_id], query, "comments"
            )
        if not str(body.get("content") or "").strip():
            raise Refusal(400, "content is required")
        made = {
            "id": f"cm_{uuid.uuid4().hex[:20]}",
            "taskId": task_id,
            "content": to_html(str(body["content"])),
            "createdAt": _now(),
            "creator": {k: user[k] for k in ("id", "name", "email")},
        }
        self.comments.append(made)
        self.writes_by_api += 1
        return 201, dict(made)

    def _workspace(self, workspace_id: str) -> dict[str, Any]:
        return {**self.workspaces[workspace_id], "statuses": [dict(s) for s in STATUSES], "labels": []}

    def _new(self, body: dict[str, Any], creator: dict[str, Any]) -> dict[str, Any]:
        if not str(body.get("name") or "").strip():
            raise Refusal(400, "name is required")
        now = _now()
        task: dict[str, Any] = {
            "id": f"tk_{uuid.uuid4().hex[:20]}",
            "workspace_id": body.get("workspaceId") or WORKSPACE_ID,
            "name": "",
            "description": "",
            "duration": "NONE",
            "dueDate": None,
            "deadlineType": "SOFT",
            "completed": False,
            "completedTime": None,
            "createdTime": now,
            "updatedTime": now,
            "creator": dict(creator),
            "status": dict(STATUSES[0]),
            "priority": "MEDIUM",
            "labels": [],
            "assignees": [],
        }
        self._apply(task, {k: v for k, v in body.items() if k != "workspaceId"})
        self.tasks[task["id"]] = task
        return task

    def _apply(self, task: dict[str, Any], data: dict[str, Any]) -> None:
        """Check every field first, then change them: a refused request changes nothing."""
        changes: dict[str, Any] = {}
        if "name" in data:
            if not str(data["name"] or "").strip():
                raise Refusal(400, "name must not be empty")
            changes["name"] = str(data["name"])
        if "description" in data:
            changes["description"] = to_html(str(data["description"] or ""))
        if "priority" in data:
            if data["priority"] not in PRIORITIES:
                raise Refusal(400, f"priority must be one of {', '.join(PRIORITIES)}")
            changes["priority"] = data["priority"]
        if "dueDate" in data:
            due = data["dueDate"]
            if due is not None and not _DATE.fullmatch(str(due)):
                raise Refusal(400, "dueDate must be an ISO 8601 date")
            changes["dueDate"] = (
                None if due is None else str(due) if "T" in str(due) else f"{due}T00:00:00.000Z"
            )
        if "labels" in data:
            if not isinstance(data["labels"], list) or not all(isinstance(n, str) for n in data["labels"]):
                raise Refusal(400, "labels must be a list of names")
            changes["labels"] = [{"name": n} for n in dict.fromkeys(data["labels"])]
        changes.update(_people_and_status(data))
        task.update(changes)
        task["updatedTime"] = _now()

    def _view(self, task: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in task.items() if k != "workspace_id"}
        return {**json.loads(json.dumps(shown)), "workspace": self._workspace(task["workspace_id"])}

    def _page(self, items: list[Any], query: dict[str, str], name: str) -> dict[str, Any]:
        try:
            start = int(base64.urlsafe_b64decode(query.get("cursor") or "MA==").decode())
        except ValueError:
            raise Refusal(400, "cursor is not valid") from None
        chunk = items[start : start + PAGE_SIZE]
        meta: dict[str, Any] = {"pageSize": len(chunk)}
        if start + PAGE_SIZE < len(items):
            meta["nextCursor"] = base64.urlsafe_b64encode(str(start + PAGE_SIZE).encode()).decode()
        return {name: chunk, "meta": meta}


def _people_and_status(data: dict[str, Any]) -> dict[str, Any]:
    """The assignee (by ``assigneeId``, or a person's edit by ``assignee`` email, "" unassigning) and the
    status (a name of the workspace's) of ``data``, checked."""
    changes: dict[str, Any] = {}
    if "status" in data:
        found = next((s for s in STATUSES if s["name"] == data["status"]), None)
        if found is None:
            raise Refusal(400, "status is not a status of the workspace")
        changes["status"] = dict(found)
        changes["completed"] = found["isResolvedStatus"]
        changes["completedTime"] = _now() if found["isResolvedStatus"] else None
    if "assigneeId" in data:
        user = next((u for u in USERS if u["id"] == data["assigneeId"]), None)
        if user is None:
            raise Refusal(400, "assigneeId is not a user of the workspace")
        changes["assignees"] = [dict(user)]
    if "assignee" in data:
        changes["assignees"] = [dict(u) for u in USERS if u["email"] == data["assignee"]]
    return changes


def make_app(sandbox: MotionSandbox) -> Any:
    def api(request: Request) -> Response:
        if not request.path.startswith("/v1/"):
            return Response(json.dumps({"message": "Not Found"}), 404, mimetype="application/json")
        body: Any = {}
        if request.get_data():
            try:
                body = json.loads(request.get_data())
            except ValueError:
                return Response(json.dumps({"message": "invalid JSON"}), 400, mimetype="application/json")
        status, reply = sandbox.answer(
            request.method,
            request.path.removeprefix("/v1"),
            dict(request.args),
            request.headers.get("X-API-Key", ""),
            body if isinstance(body, dict) else {},
        )
        payload = "" if reply is None else json.dumps(reply)
        return Response(payload, status, mimetype="application/json")

    return tracker_screen.serving(sandbox.items(), api)


class MotionServer(ThreadedServer):
    """Serves a sandbox on 127.0.0.1:``port`` (0: a free one) from a background thread; its base URL,
    Motion's ``https://api.usemotion.com/v1``'s stand-in, is :attr:`api_url`."""

    def __init__(self, sandbox: MotionSandbox | None = None, port: int = 0) -> None:
        self.sandbox = sandbox or MotionSandbox()
        super().__init__(make_app(self.sandbox), "motion-sandbox", port)

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"
