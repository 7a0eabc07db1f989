"""The sync capability's ports (Protocols, for type checking): each tool's API (Linear's, GitLab's, Motion's),
the sync store of each tool's connection, links and log, and the :class:`Tracker` the mirror sees a
tool through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from shared.sync.domain.connection import (
    GitLabConnection,
    LinearConnection,
    LogEntry,
    MotionConnection,
    SyncLink,
    ToolConnection,
)
from shared.sync.domain.fields import TaskFields
from shared.sync.domain.motion import MotionKey
from shared.sync.domain.oauth import OAuthApp
from shared.sync.domain.writes import Change, Output, Place

C = TypeVar("C", bound=ToolConnection)


class LinearApi(Protocol):
    """Linear's GraphQL API with one tenant's API key (``shared.sync.adapters.linear``)."""

    def viewer(self, key: str) -> dict[str, Any]:
        """``{id, name, email}`` of the key's user; Unauthenticated for a key Linear refuses."""
        ...

    def team(self, key: str, team_id: str) -> dict[str, Any]:
        """``{id, name, key, states: [{id, name, type}], members: [{id, email}], labels: [{id, name}]}``;
        NotFound for a team the key cannot see."""
        ...

    def issue(self, key: str, issue_id: str) -> dict[str, Any] | None:
        """The issue's synced fields (``ISSUE_FIELDS``), archived ones too; None when there is none."""
        ...

    def create_issue(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``issueCreate`` with ``fields`` (its ``id`` chosen by us): the issue as created."""
        ...

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]: ...

    def issue_history(self, key: str, issue_id: str) -> list[dict[str, Any]]:
        """The first 50 entries of the issue's history Linear answers (``IssueHistory``: ``createdAt``,
        ``toTitle``, ``toState`` ``{id, name, type}``), in any order; [] when there is no such issue."""
        ...

    def archive_issue(self, key: str, issue_id: str) -> None: ...

    def unarchive_issue(self, key: str, issue_id: str) -> None: ...

    def create_comment(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``commentCreate`` with ``fields`` (``id`` chosen by us, ``issueId``, ``body``): ``{id, body}``."""
        ...

    def comment(self, key: str, comment_id: str) -> dict[str, Any] | None:
        """``{id, body, children: {nodes: [{id}]}}`` of the comment (children: its replies); None
        when there is none."""
        ...

    def delete_comment(self, key: str, comment_id: str) -> bool:
        """``commentDelete``: whether it was there to delete (False: gone already)."""
        ...

    def create_webhook(self, key: str, team_id: str, url: str, secret: str) -> str:
        """A webhook of the team's issues to ``url`` signed with ``secret``: its id."""
        ...

    def delete_webhook(self, key: str, webhook_id: str) -> None:
        """Delete the webhook; one already gone is no error."""
        ...


class ToolStore(Protocol[C]):
    """One tool's ``tenants/{t}/sync/<tool>`` (the connection, no secret), its links (what both sides
    last agreed, as hashes), its issues' claims and its log (the conflicts settled)."""

    def connection(self, tenant_id: str) -> C | None: ...

    def save_connection(self, tenant_id: str, connection: C) -> None: ...

    def delete_connection(self, tenant_id: str) -> None: ...

    def link(self, tenant_id: str, page_id: str) -> SyncLink | None: ...

    def link_of_issue(self, tenant_id: str, issue_id: str) -> SyncLink | None: ...

    def save_link(self, tenant_id: str, link: SyncLink) -> None:
        """Keep ``link``, and the issue's page beside it (``link_of_issue``)."""
        ...

    def claim_issue(self, tenant_id: str, issue_id: str, now: datetime) -> datetime | None:
        """Claim making a page for the issue: None when this call claimed it, else the earlier claim's time."""
        ...

    def log(self, tenant_id: str, entry: LogEntry) -> None: ...

    def read_log(self, tenant_id: str, since: datetime, limit: int = 50) -> list[LogEntry]: ...


class SyncStore(ToolStore[LinearConnection], Protocol):
    """Linear's: ``tenants/{t}/sync/linear``, ``…/sync_links/{page}``, ``…/sync_issues/{issue}``,
    ``…/sync_log/{id}``."""


class GitLabStore(ToolStore[GitLabConnection], Protocol):
    """GitLab's: ``tenants/{t}/sync/gitlab``, ``…/gitlab_links/{page}``, ``…/gitlab_issues/{iid}``
    (also ``page-<page>``: the claim of an issue being made for a page), ``…/gitlab_log/{id}``."""


class GitLabApi(Protocol):
    """GitLab's REST API (v4) of an instance with one tenant's access token
    (``shared.sync.adapters.gitlab``). ``base`` is the instance's checked base URL."""

    def addresses(self, host: str) -> list[str]:
        """The addresses ``host`` resolves to (none when it does not): the connect checks each is public."""
        ...

    def user(self, base: str, token: str) -> dict[str, Any]:
        """``{id, username, name}`` of the token's user; Unauthenticated for a token GitLab refuses."""
        ...

    def request(self, base: str, token: str, method: str, path: str, name: str, **kw: Any) -> Any:
        """One paced request of ``path`` under ``/api/v4`` (an httpx response); refusals raised."""
        ...

    def pages(
        self, base: str, token: str, path: str, name: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Every item of a list, page by page."""
        ...

    def project(self, base: str, token: str, project: str | int) -> dict[str, Any]:
        """``{id, path_with_namespace, name}``; NotFound for a project the token cannot see."""
        ...

    def members(self, base: str, token: str, project_id: int) -> dict[str, int]:
        """The project's members with an email GitLab shows (``email`` or ``public_email``): email → id."""
        ...

    def issue(self, base: str, token: str, project_id: int, iid: int) -> dict[str, Any] | None:
        """The issue (``iid`` its number in the project); None when there is none."""
        ...

    def issues_since(
        self, base: str, token: str, project_id: int, author_id: int, since: datetime
    ) -> list[dict[str, Any]]:
        """Every issue ``author_id`` created in the project at or after ``since`` (all pages)."""
        ...

    def create_issue(
        self, base: str, token: str, project_id: int, params: dict[str, Any]
    ) -> dict[str, Any]: ...

    def update_issue(
        self, base: str, token: str, project_id: int, iid: int, params: dict[str, Any]
    ) -> dict[str, Any]: ...

    def create_note(self, base: str, token: str, project_id: int, iid: int, body: str) -> dict[str, Any]:
        """A comment (note) on the issue: ``{id, body}``."""
        ...

    def notes(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        """The issue's notes, ``{id, body}`` each (all pages)."""
        ...

    def note(self, base: str, token: str, project_id: int, iid: int, note_id: int) -> dict[str, Any] | None:
        """One note of the issue, ``{id, body, ...}``; None when there is none."""
        ...

    def delete_note(self, base: str, token: str, project_id: int, iid: int, note_id: int) -> bool:
        """Delete the note: whether it was there to delete (False: gone already)."""
        ...

    def state_events(self, base: str, token: str, project_id: int, iid: int) -> list[dict[str, Any]]:
        """The issue's resource state events (every close and reopen: ``created_at``, ``state``
        closed or reopened, ``user``), all pages."""
        ...

    def create_hook(self, base: str, token: str, project_id: int, url: str, secret: str) -> str:
        """A webhook of the project's issue events to ``url`` with ``secret`` as its token: its id."""
        ...

    def delete_hook(self, base: str, token: str, project_id: int, hook_id: str) -> None:
        """Delete the webhook; one already gone is no error."""
        ...


class MotionStore(ToolStore[MotionConnection], Protocol):
    """Motion's: ``tenants/{t}/sync/motion``, ``…/motion_links/{page}``, ``…/motion_tasks/{task}`` (also
    ``page-<page>``: the claim of a task being made for a page), ``…/motion_log/{id}``."""


class MotionApi(Protocol):
    """Motion's REST API with one tenant's key (``shared.sync.adapters.motion``), paced under its
    account's limit. Unauthenticated for a key Motion refuses; NothingSent for its 429."""

    def me(self, key: MotionKey) -> dict[str, Any]:
        """``{id, name, email}`` of the key's user."""
        ...

    def workspaces(self, key: MotionKey) -> list[dict[str, Any]]:
        """The key's workspaces: ``{id, name, teamId, type, ...}`` each."""
        ...

    def statuses(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        """The workspace's statuses: ``{name, isDefaultStatus, isResolvedStatus}`` each."""
        ...

    def users(self, key: MotionKey, workspace_id: str) -> dict[str, str]:
        """The workspace's users with an email: email → Motion user id."""
        ...

    def tasks(self, key: MotionKey, workspace_id: str) -> list[dict[str, Any]]:
        """Every task of the workspace, resolved ones too (all pages)."""
        ...

    def task(self, key: MotionKey, task_id: str) -> dict[str, Any] | None:
        """The task; None when there is none."""
        ...

    def create_task(self, key: MotionKey, body: dict[str, Any]) -> dict[str, Any]: ...

    def update_task(self, key: MotionKey, task_id: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def unassign(self, key: MotionKey, task_id: str) -> None: ...

    def delete_task(self, key: MotionKey, task_id: str) -> bool:
        """Delete the task (Motion's "Delete task"): whether there was one to delete."""
        ...

    def comments(self, key: MotionKey, task_id: str) -> list[dict[str, Any]]:
        """The task's comments (all pages): ``{id, taskId, content, createdAt, creator}`` each."""
        ...

    def create_comment(self, key: MotionKey, task_id: str, content: str) -> dict[str, Any]:
        """A new comment on the task (``content``: Markdown); Motion chooses its id."""
        ...


class Tracker(Protocol):
    """One tenant's tool as the mirror sees it (Linear's team, GitLab's project), its key bound."""

    tool: str

    def read(self, issue_id: str) -> dict[str, Any] | None:
        """The issue now (archived ones too); None when there is none."""
        ...

    def fields(self, issue: dict[str, Any]) -> TaskFields: ...

    def view(self, fields: TaskFields) -> TaskFields:
        """What the tool can hold of ``fields`` (the merge writes the tool only where this differs)."""
        ...

    def updated_at(self, issue: dict[str, Any]) -> str: ...

    def issue_id(self, issue: dict[str, Any]) -> str: ...

    def planned_id(self, page_id: str) -> str | None:
        """The id the issue made for ``page_id`` will have, when the tool lets us choose it (Linear);
        None when the tool chooses (GitLab)."""
        ...

    def create(self, page_id: str, fields: TaskFields, claimed: datetime | None) -> dict[str, Any]:
        """The issue made for ``page_id``: the one an earlier try made (``claimed``: when that try
        began; None on the first), or a new one."""
        ...

    def write(self, issue_id: str, changes: dict[str, Any], page_id: str) -> dict[str, Any] | None:
        """Apply ``changes`` (field → value) to ``page_id``'s issue; the issue as it is after, or None
        if nothing was sent."""
        ...

    def page_of(self, issue: dict[str, Any]) -> str | None:
        """The page the issue was made for, when the issue says so (GitLab's marker)."""
        ...


class TaskWriting(Protocol):
    """A run's writes to the connected Motion workspace (``shared.sync.services.task_writes``, decision
    0122): each refuses another workspace before any request, a ModelFixableError."""

    def create(self, at: Place, title: str, body: str, key: str) -> Output:
        """The task made for the step ``key``."""
        ...

    def find_created(self, at: Place, key: str, since: datetime) -> Output | None:
        """The task an earlier try for ``key`` made since ``since``, or None."""
        ...

    def update(self, at: Place, task_id: str, changes: dict[str, Any], unchanged_since: str = "") -> Output:
        """``changes`` (title, status group) set on the task; with ``unchanged_since``, only while the
        task's ``updatedTime`` read right before the write is still that (else ChangedMeanwhile)."""
        ...

    def read_fields(self, at: Place, task_id: str) -> dict[str, Any] | None:
        """The task's fields as the sync reads them, or None when there is no such task."""
        ...

    def changes_since(self, at: Place, task_id: str, since: str) -> list[Change] | None:
        """The task's recorded changes after ``since``; None when the tool records none it can give."""
        ...

    def comment(self, at: Place, task_id: str, body: str, key: str) -> Output:
        """A comment on the task, made for the step ``key``."""
        ...

    def find_comment(self, at: Place, task_id: str, key: str) -> Output | None:
        """The comment an earlier try for ``key`` made on the task, or None."""
        ...

    def delete(self, at: Place, task_id: str) -> bool:
        """Delete the task (an undo's of the run that made it): whether there was one to delete."""
        ...

    def people_comments(self, at: Place, task_id: str) -> int:
        """How many of the task's comments carry no agent's signature: people's."""
        ...


class SyncOAuth(Protocol):
    """The token and revoke endpoints of a tool's OAuth app (``shared.sync.adapters.oauth_http``)."""

    def exchange(
        self, app: OAuthApp, secret: str, code: str, redirect_uri: str, code_verifier: str
    ) -> dict[str, Any]:
        """The token endpoint's answer for an authorization code; Unauthenticated if refused."""
        ...

    def refresh(self, app: OAuthApp, secret: str, refresh_token: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer for a refresh token; Unauthenticated if refused."""
        ...

    def revoke(self, app: OAuthApp, secret: str, token: str) -> None:
        """Revoke the access token at the tool."""
        ...
