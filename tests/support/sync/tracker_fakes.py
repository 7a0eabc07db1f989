"""The sync's fakes (tests/support/sync/sync_fakes.py) that also hold issues and comments, for the tracker
write tools' tests (decision 0116): Linear refuses a second create of one id as Linear does; GitLab
numbers its issues and lists them since a time; both count every write. Motion's writes go to its
sandbox in process (decision 0122)."""

from datetime import UTC, datetime
from typing import Any

import httpx

from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import STATUSES, WORKSPACE_ID, MotionSandbox, make_app
from shared.platform.errors import NotFound, PermanentError
from shared.sync.adapters.motion import MotionRest, pacers
from shared.sync.domain.connection import GitLabConnection, LinearConnection, MotionConnection
from shared.sync.services.issue_writes import IssueWrites
from shared.sync.services.task_writes import TaskWrites
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.sync.motion_stack import SkipClock
from tests.support.sync.sync_fakes import (
    GITLAB_PROJECT,
    GITLAB_TOKEN,
    KEY,
    TEAM,
    FakeGitLab,
    FakeLinear,
    FakeSyncStore,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


class IssueLinear(FakeLinear):
    """:class:`FakeLinear` with issues and comments (each create keyed by the id we choose)."""

    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.writes = 0

    def issue(self, key: str, issue_id: str) -> dict[str, Any] | None:
        self._check(key)
        return self.issues.get(issue_id)

    def create_issue(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        self._check(key)
        if fields["id"] in self.issues:
            raise PermanentError("Linear refused create (INVALID_INPUT)")
        self.writes += 1
        self.issues[fields["id"]] = {**fields, "updatedAt": AT.isoformat()}
        return self.issues[fields["id"]]

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        self._check(key)
        if issue_id not in self.issues:
            raise NotFound("Linear has no such entity (update)")
        self.writes += 1
        self.issues[issue_id].update(fields)
        return self.issues[issue_id]

    def create_comment(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        self._check(key)
        if fields["issueId"] not in self.issues:
            raise NotFound("Linear has no such entity (comment_create)")
        if fields["id"] in self.comments:
            raise PermanentError("Linear refused comment_create (INVALID_INPUT)")
        self.writes += 1
        self.comments[fields["id"]] = dict(fields)
        return {"id": fields["id"], "body": fields["body"]}

    def comment(self, key: str, comment_id: str) -> dict[str, Any] | None:
        self._check(key)
        return self.comments.get(comment_id)


class IssueGitLab(FakeGitLab):
    """:class:`FakeGitLab` with issues (numbered by the project) and their notes."""

    def __init__(self) -> None:
        super().__init__()
        self.issues: list[dict[str, Any]] = []
        self.notes_of: dict[int, list[dict[str, Any]]] = {}
        self.writes = 0

    def issues_since(
        self, base: str, token: str, project_id: int, author_id: int, since: datetime
    ) -> list[dict[str, Any]]:
        self._check(base, token)
        return [i for i in self.issues if i["author_id"] == author_id and i["created_at"] >= since]

    def create_issue(self, base: str, token: str, project_id: int, params: dict[str, Any]) -> dict[str, Any]:
        self._check(base, token)
        self.writes += 1
        issue = {
            **params,
            "iid": len(self.issues) + 1,
            "author_id": 5,
            "created_at": AT,
            "project_id": project_id,
        }
        self.issues.append(issue)
        return issue

    def issue(self, base: str, token: str, project_id: int, iid: int) -> dict[str, Any] | None:
        self._check(base, token)
        return next((i for i in self.issues if i["iid"] == iid), None)

    def update_issue(
        self, base: str, token: str, project_id: int, iid: int, params: dict[str, Any]
    ) -> dict[str, Any]:
        issue = self.issue(base, token, project_id, iid)
        if issue is None:
            raise NotFound("GitLab has no such issue")
        self.writes += 1
        issue.update(params)
        return issue

    def create_note(self, base: str, token: str, project_id: int, iid: int, body: str) -> dict[str, Any]:
        self._check(base, token)
        self.writes += 1
        note = {"id": 900 + self.writes, "body": body}
        self.notes_of.setdefault(iid, []).append(note)
        return note

    def notes(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        self._check(base, token)
        return list(self.notes_of.get(iid, []))


def tracker_writes(
    *, linear: bool = True, gitlab: bool = True, motion: TaskWrites | None = None
) -> tuple[IssueWrites, IssueLinear, IssueGitLab]:
    """Tenant t1's writes with Linear's team and GitLab's project connected (each unless told not)."""
    secrets = FakeSecrets({"sync-token-linear-t1": KEY, "sync-token-gitlab-t1": GITLAB_TOKEN})
    lin_store, lab_store = FakeSyncStore(), FakeSyncStore()
    if linear:
        lin_store.save_connection(
            "t1",
            LinearConnection(
                data_source_id="ds", team_id=str(TEAM["id"]), team_name="Engineering", connected_at=AT
            ),
        )
    if gitlab:
        lab = GitLabConnection(
            data_source_id="ds",
            base_url="https://gitlab.example.com",
            project_id=int(str(GITLAB_PROJECT["id"])),
            project_path=str(GITLAB_PROJECT["path_with_namespace"]),
            user_id=5,
            connected_at=AT,
        )
        lab_store.connections["t1"] = lab  # type: ignore[assignment]  # the fake store holds any tool's connection
    api_linear, api_gitlab = IssueLinear(), IssueGitLab()
    writes = IssueWrites(secrets, lin_store, api_linear, lab_store, api_gitlab, motion=motion)  # type: ignore[arg-type]  # the fake store, any tool's
    return writes, api_linear, api_gitlab


def motion_parts(*, connected: bool = True) -> tuple[FakeSecrets, FakeSyncStore, MotionRest, MotionSandbox]:
    """Tenant t1's Motion: its key, its connection's store, our adapter, paced as in production on a clock
    that skips its waits, over the Motion sandbox in process (WSGI), the team workspace connected unless
    told not."""
    sandbox, clock = MotionSandbox(), SkipClock()
    client = httpx.Client(transport=httpx.WSGITransport(app=make_app(sandbox)), base_url="http://motion.test")
    api = MotionRest(10.0, "http://motion.test/v1", paced=pacers(clock, clock.skip), client=client)
    store = FakeSyncStore()
    if connected:
        connection = MotionConnection(
            data_source_id="ds", connected_at=AT, workspace_id=WORKSPACE_ID, workspace_name="Demo team",
            team=True, user_id="u-ada", statuses=tuple(STATUSES),
        )  # fmt: skip
        store.connections["t1"] = connection  # type: ignore[assignment]  # the fake store holds any tool's connection
    return FakeSecrets({"sync-token-motion-t1": MOTION_KEY}), store, api, sandbox


def motion_writes(*, connected: bool = True) -> tuple[TaskWrites, MotionSandbox]:
    """Tenant t1's Motion writes over :func:`motion_parts`."""
    secrets, store, api, sandbox = motion_parts(connected=connected)
    return TaskWrites(secrets, store, api), sandbox  # type: ignore[arg-type]  # the fake store, any tool's
