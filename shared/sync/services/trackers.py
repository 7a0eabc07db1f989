"""Each tool as the mirror sees it (:class:`shared.sync.ports.Tracker`): Linear's team and GitLab's project,
each with the tenant's key bound. What differs between the tools lives here: how an issue reads as fields,
what the tool can hold, how a change is written, and how a create is made idempotent. Linear takes the id we
derive from the page (``issueCreate`` with our ``id``), so a retry names the same issue. GitLab chooses its
issues' numbers, so the issue carries its page's marker. A retry whose earlier try was claimed lists the
issues the token's user made since that claim, and takes the one with the marker instead of making another
(decision 0106). Motion chooses its tasks' ids too: a retry takes the task of the page's title that the
key's user made since the claim (decision 0110)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.sync.domain import gitlab_mapping, motion
from shared.sync.domain.fields import TaskFields, issue_id_for
from shared.sync.domain.mapping import from_issue, issue_input

if TYPE_CHECKING:
    from shared.sync.domain.connection import GitLabConnection, LinearConnection, MotionConnection
    from shared.sync.ports import GitLabApi, LinearApi, MotionApi

# How long before its claim a retried create looks for the issue an earlier try made: GitLab's clock
# and ours may differ by this much.
CLOCK_SLACK = timedelta(minutes=5)


class LinearTracker:
    """A Linear team through :class:`shared.sync.ports.LinearApi`."""

    tool = "linear"

    def __init__(
        self, linear: LinearApi, key: str, team: dict[str, Any], tenant_id: str, connection: LinearConnection
    ) -> None:
        self._linear, self._key, self._team = linear, key, team
        self._tenant_id, self._connection = tenant_id, connection

    def read(self, issue_id: str) -> dict[str, Any] | None:
        return self._linear.issue(self._key, issue_id)

    def fields(self, issue: dict[str, Any]) -> TaskFields:
        return from_issue(issue)

    def view(self, fields: TaskFields) -> TaskFields:
        return fields

    def updated_at(self, issue: dict[str, Any]) -> str:
        return str(issue.get("updatedAt") or "")

    def issue_id(self, issue: dict[str, Any]) -> str:
        return str(issue["id"])

    def planned_id(self, page_id: str) -> str | None:
        return issue_id_for(self._tenant_id, page_id)

    def create(self, page_id: str, fields: TaskFields, claimed: datetime | None) -> dict[str, Any]:
        data = {
            "id": issue_id_for(self._tenant_id, page_id),
            "teamId": self._connection.team_id,
            **issue_input(fields.model_dump(), self._team),
        }
        return self._linear.create_issue(self._key, data)

    def write(self, issue_id: str, changes: dict[str, Any], page_id: str) -> dict[str, Any] | None:
        data = issue_input(changes, self._team)
        issue = self._linear.update_issue(self._key, issue_id, data) if data else None
        if "archived" in changes:
            (self._linear.archive_issue if changes["archived"] else self._linear.unarchive_issue)(
                self._key, issue_id
            )
            issue = self._linear.issue(self._key, issue_id)
        return issue

    def page_of(self, issue: dict[str, Any]) -> str | None:
        return None


class _ToolChosenIds:
    """What a tracker of a tool that chooses its issues' ids has (GitLab's, Motion's): no id planned,
    the issue's id and last edit under the tool's own keys."""

    _id_key = "id"
    _updated_key = "updated_at"

    def updated_at(self, issue: dict[str, Any]) -> str:
        return str(issue.get(self._updated_key) or "")

    def issue_id(self, issue: dict[str, Any]) -> str:
        return str(issue[self._id_key])

    def planned_id(self, page_id: str) -> str | None:
        return None


class GitLabTracker(_ToolChosenIds):
    """A GitLab project's issues through :class:`shared.sync.ports.GitLabApi` (an issue's id: its iid)."""

    tool = "gitlab"
    _id_key = "iid"

    def __init__(self, gitlab: GitLabApi, token: str, connection: GitLabConnection) -> None:
        self._gitlab, self._token, self._c = gitlab, token, connection

    def read(self, issue_id: str) -> dict[str, Any] | None:
        return self._gitlab.issue(self._c.base_url, self._token, self._c.project_id, int(issue_id))

    def fields(self, issue: dict[str, Any]) -> TaskFields:
        return gitlab_mapping.from_issue(issue, self._c.members)

    def view(self, fields: TaskFields) -> TaskFields:
        return gitlab_mapping.view(fields, self._c.members)

    def create(self, page_id: str, fields: TaskFields, claimed: datetime | None) -> dict[str, Any]:
        if claimed is not None:  # an earlier try began: did it make the issue?
            found = self.made(page_id, claimed)
            if found is not None:
                return found
        held = self.view(fields).model_dump()
        params = gitlab_mapping.issue_params(held, self._c.members, page_id)
        closing = params.pop("state_event", "") == "close"
        issue = self._gitlab.create_issue(self._c.base_url, self._token, self._c.project_id, params)
        if closing:  # GitLab makes every issue open: close it after
            issue = self.write(str(issue["iid"]), {"status": "completed"}, page_id) or issue
        return issue

    def made(self, page_id: str, claimed: datetime) -> dict[str, Any] | None:
        """The issue with ``page_id``'s marker that the token's user made since ``claimed``, or None."""
        made = self._gitlab.issues_since(
            self._c.base_url, self._token, self._c.project_id, self._c.user_id, claimed - CLOCK_SLACK
        )
        mine = [i for i in made if gitlab_mapping.page_of(i) == page_id.replace("-", "")]
        return mine[0] if mine else None

    def write(self, issue_id: str, changes: dict[str, Any], page_id: str) -> dict[str, Any] | None:
        params = gitlab_mapping.issue_params(changes, self._c.members, page_id)
        if not params:
            return None
        return self._gitlab.update_issue(
            self._c.base_url, self._token, self._c.project_id, int(issue_id), params
        )

    def page_of(self, issue: dict[str, Any]) -> str | None:
        return gitlab_mapping.page_of(issue)


class MotionTracker(_ToolChosenIds):
    """A Motion workspace's tasks through :class:`shared.sync.ports.MotionApi`. The workspace's tasks,
    once listed (:meth:`listed`, the poll's one list), are read from that list and kept up to date by
    our writes: a task costs no request of its own within Motion's small limit."""

    tool = "motion"
    _updated_key = "updatedTime"

    def __init__(
        self,
        api: MotionApi,
        key: motion.MotionKey,
        connection: MotionConnection,
        linked: Callable[[str], bool] = lambda _task_id: False,
    ) -> None:
        self._api, self._key, self._c, self._linked = api, key, connection, linked
        self._listed: dict[str, dict[str, Any]] | None = None

    def listed(self) -> list[dict[str, Any]]:
        """Every task of the workspace (listed once per tracker)."""
        if self._listed is None:
            tasks = self._api.tasks(self._key, self._c.workspace_id)
            self._listed = {str(t["id"]): t for t in tasks if t.get("id")}
        return list(self._listed.values())

    def _keep(self, task: dict[str, Any]) -> dict[str, Any]:
        if self._listed is not None:
            self._listed[str(task["id"])] = task
        return task

    def read(self, issue_id: str) -> dict[str, Any] | None:
        if self._listed is not None and issue_id in self._listed:
            return self._listed[issue_id]
        return self._api.task(self._key, issue_id)

    def fields(self, issue: dict[str, Any]) -> TaskFields:
        return motion.from_task(issue)

    def view(self, fields: TaskFields) -> TaskFields:
        return motion.view(fields, self._c.statuses, self._c.members)

    def create(self, page_id: str, fields: TaskFields, claimed: datetime | None) -> dict[str, Any]:
        held = self.view(fields)
        if claimed is not None:  # an earlier try began: did it make the task?
            since = claimed - CLOCK_SLACK
            for task in self.listed():
                made = motion.made_for(task, held.title, self._c.user_id, since)
                if made and not self._linked(str(task["id"])):
                    return task
        body = motion.task_body(held.model_dump(), self._c.statuses, self._c.members)
        if body.get("assigneeId") is None:
            body.pop("assigneeId", None)
        if body.get("dueDate") is None:
            body.pop("dueDate", None)
        return self._keep(self._api.create_task(self._key, {**body, "workspaceId": self._c.workspace_id}))

    def write(self, issue_id: str, changes: dict[str, Any], page_id: str) -> dict[str, Any] | None:
        body = motion.task_body(changes, self._c.statuses, self._c.members)
        unassign = "assigneeId" in body and body["assigneeId"] is None
        if unassign:
            body.pop("assigneeId")
            self._api.unassign(self._key, issue_id)
        if body:
            return self._keep(self._api.update_task(self._key, issue_id, body))
        if unassign:
            found = self._api.task(self._key, issue_id)
            return self._keep(found) if found is not None else None
        return None

    def page_of(self, issue: dict[str, Any]) -> str | None:
        return None
