"""In-memory stand-ins of the sync's ports for the api's fast tests (the role matrix, the contract):
the sync store as a dict, a Linear that knows one key and one team, a GitLab that knows one token and
one project, a Motion that knows one key and one workspace. The sync's own tests use the Linear and GitLab sandboxes and the Firestore emulator
(tests/integration/sync)."""

from datetime import datetime
from typing import Any

from shared.platform.errors import NotFound, TransientError, Unauthenticated
from shared.sync.domain.connection import LinearConnection, LogEntry, SyncLink
from shared.sync.domain.motion import MotionKey

KEY = "lin_api_fake_key_for_tests"
TEAM = {"id": "team-1", "name": "Engineering", "key": "ENG", "states": [], "members": [], "labels": []}


def not_faked(method: str, tool: str) -> NotImplementedError:
    """What a fake's method that the mirror's tests leave to the tool's sandbox raises."""
    return NotImplementedError(f"{method}() is not faked here: the mirror's tests use the {tool} sandbox")


class FakeSyncStore:
    def __init__(self) -> None:
        self.connections: dict[str, LinearConnection] = {}
        self.links: dict[tuple[str, str], SyncLink] = {}
        self.entries: list[tuple[str, LogEntry]] = []
        self.claims: dict[tuple[str, str], datetime] = {}

    def connection(self, tenant_id: str) -> LinearConnection | None:
        return self.connections.get(tenant_id)

    def save_connection(self, tenant_id: str, connection: LinearConnection) -> None:
        self.connections[tenant_id] = connection

    def delete_connection(self, tenant_id: str) -> None:
        self.connections.pop(tenant_id, None)

    def link(self, tenant_id: str, page_id: str) -> SyncLink | None:
        return self.links.get((tenant_id, page_id))

    def link_of_issue(self, tenant_id: str, issue_id: str) -> SyncLink | None:
        return next(
            (v for (t, _), v in self.links.items() if t == tenant_id and v.issue_id == issue_id), None
        )

    def save_link(self, tenant_id: str, link: SyncLink) -> None:
        self.links[(tenant_id, link.page_id)] = link

    def claim_issue(self, tenant_id: str, issue_id: str, now: datetime) -> datetime | None:
        earlier = self.claims.get((tenant_id, issue_id))
        self.claims.setdefault((tenant_id, issue_id), now)
        return earlier

    def log(self, tenant_id: str, entry: LogEntry) -> None:
        """As Firestore's: an entry written again under its id replaces it."""
        same = [(t, e) for t, e in self.entries if t == tenant_id and e.entry_id() == entry.entry_id()]
        for kept in same:
            self.entries.remove(kept)
        self.entries.append((tenant_id, entry))

    def read_log(self, tenant_id: str, since: datetime, limit: int = 50) -> list[LogEntry]:
        return [e for t, e in reversed(self.entries) if t == tenant_id and e.at >= since][:limit]


class FakeLinear:
    """Knows :data:`KEY` and :data:`TEAM`; makes webhooks and forgets them."""

    def __init__(self) -> None:
        self.webhooks: dict[str, str] = {}

    def _check(self, key: str) -> None:
        if key != KEY:
            raise Unauthenticated("Linear refused the API key")

    def viewer(self, key: str) -> dict[str, Any]:
        self._check(key)
        return {"id": "user-1", "name": "Ada", "email": "ada@example.com"}

    def team(self, key: str, team_id: str) -> dict[str, Any]:
        self._check(key)
        if team_id != TEAM["id"]:
            raise NotFound("Linear has no such team for this key")
        return dict(TEAM)

    def issue(self, key: str, issue_id: str) -> dict[str, Any] | None:
        return None

    def create_issue(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def issue_history(self, key: str, issue_id: str) -> list[dict[str, Any]]:
        return []

    def archive_issue(self, key: str, issue_id: str) -> None:
        raise NotImplementedError

    def unarchive_issue(self, key: str, issue_id: str) -> None:
        raise NotImplementedError

    def create_comment(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError("create_comment() is faked in tests/support/sync/tracker_fakes.py")

    def comment(self, key: str, comment_id: str) -> dict[str, Any] | None:
        raise NotImplementedError("comment() is faked in tests/support/sync/tracker_fakes.py")

    def delete_comment(self, key: str, comment_id: str) -> bool:
        raise NotImplementedError("delete_comment() is driven against the Linear sandbox")

    def create_webhook(self, key: str, team_id: str, url: str, secret: str) -> str:
        self._check(key)
        self.webhooks[f"hook-{len(self.webhooks)}"] = url
        return f"hook-{len(self.webhooks) - 1}"

    def delete_webhook(self, key: str, webhook_id: str) -> None:
        self.webhooks.pop(webhook_id, None)


GITLAB_TOKEN = "glpat-fake-token-for-tests"
GITLAB_PROJECT = {"id": 77, "path_with_namespace": "demo/tasks", "name": "Tasks"}


class FakeGitLab:
    """Knows :data:`GITLAB_TOKEN` and :data:`GITLAB_PROJECT` on any instance; its hosts resolve to a
    public address unless named ``*.internal`` (a private one). Makes webhooks and forgets them."""

    def __init__(self) -> None:
        self.hooks: dict[str, str] = {}
        self.calls: list[str] = []  # the base URLs requests went to

    def _check(self, base: str, token: str) -> None:
        self.calls.append(base)
        if "down." in base:  # an instance that does not answer
            raise TransientError("GitLab is unreachable (ConnectError, GET for user)")
        if token != GITLAB_TOKEN:
            raise Unauthenticated("GitLab refused the access token (401)")

    def addresses(self, host: str) -> list[str]:
        return ["10.0.0.7"] if host.endswith(".internal") else ["93.184.215.14"]

    def user(self, base: str, token: str) -> dict[str, Any]:
        self._check(base, token)
        return {"id": 5, "username": "ada", "name": "Ada"}

    def project(self, base: str, token: str, project: str | int) -> dict[str, Any]:
        self._check(base, token)
        if project not in (GITLAB_PROJECT["id"], GITLAB_PROJECT["path_with_namespace"]):
            raise NotFound("GitLab has no such project for this token")
        return dict(GITLAB_PROJECT)

    def members(self, base: str, token: str, project_id: int) -> dict[str, int]:
        self._check(base, token)
        return {"ada@example.com": 5}

    def issue(self, base: str, token: str, project_id: int, iid: int) -> dict[str, Any] | None:
        return None

    def issues_since(self, *args: Any) -> list[dict[str, Any]]:
        return []

    def create_issue(self, *args: Any) -> dict[str, Any]:
        raise not_faked("create_issue", "GitLab")

    def update_issue(self, *args: Any) -> dict[str, Any]:
        raise not_faked("update_issue", "GitLab")

    def create_note(self, base: str, token: str, project_id: int, iid: int, body: str) -> dict[str, Any]:
        raise NotImplementedError("create_note() is faked in tests/support/sync/tracker_fakes.py")

    def notes(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        raise NotImplementedError("notes() is faked in tests/support/sync/tracker_fakes.py")

    def state_events(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        return []

    def note(self, *args: Any) -> dict[str, Any] | None:
        raise not_faked("note", "GitLab")

    def delete_note(self, *args: Any) -> bool:
        raise not_faked("delete_note", "GitLab")

    def create_hook(self, base: str, token: str, project_id: int, url: str, secret: str) -> str:
        self._check(base, token)
        self.hooks[f"{len(self.hooks) + 1}"] = url
        return f"{len(self.hooks)}"

    def delete_hook(self, base: str, token: str, project_id: int, hook_id: str) -> None:
        self.hooks.pop(hook_id, None)


MOTION_KEY = "motion-fake-key-for-tests"
MOTION_WORKSPACE = {"id": "ws-1", "name": "Demo", "teamId": None, "type": "INDIVIDUAL"}


class FakeMotion:
    """Knows :data:`MOTION_KEY` and :data:`MOTION_WORKSPACE`; the mirror's tests use the Motion sandbox."""

    def _check(self, key: MotionKey) -> None:
        if key.key != MOTION_KEY:
            raise Unauthenticated("Motion refused the API key (401)")

    def me(self, key: MotionKey) -> dict[str, Any]:
        self._check(key)
        return {"id": "u-1", "name": "Ada", "email": "ada@example.com"}

    def workspaces(self, key: MotionKey) -> list[dict[str, Any]]:
        self._check(key)
        return [dict(MOTION_WORKSPACE)]

    def statuses(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        self._check(key)
        return [{"name": "Todo", "isDefaultStatus": True, "isResolvedStatus": False}]

    def users(self, key: MotionKey, workspace_id: str) -> dict[str, str]:
        self._check(key)
        return {"ada@example.com": "u-1"}

    def tasks(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        return []

    def task(self, key: MotionKey, task_id: str) -> dict[str, Any] | None:
        return None

    def create_task(self, *args: Any) -> dict[str, Any]:
        raise not_faked("create_task", "Motion")

    def update_task(self, *args: Any) -> dict[str, Any]:
        raise not_faked("update_task", "Motion")

    def unassign(self, *args: Any) -> None:
        raise not_faked("unassign", "Motion")

    def delete_task(self, *args: Any) -> bool:
        raise not_faked("delete_task", "Motion")
