"""A run's writes to a connected tool (decision 0116): create an issue, comment on one, each exactly once
per step key. Only the tool's connected target (Linear's team, GitLab's project) takes a write. A create is
idempotent as the sync's are (:mod:`shared.sync.services.trackers`): the key stands for a page, so Linear's
issue has the id derived from it and GitLab's carries its marker. A comment's id (Linear) or marker (GitLab)
is the key's too."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.platform.errors import ModelFixableError
from shared.sync.domain import gitlab_mapping
from shared.sync.domain.fields import TaskFields, issue_id_for
from shared.sync.domain.mapping import state_of
from shared.sync.domain.writes import (
    Change,
    Output,
    Place,
    after,
    gitlab_change,
    linear_change,
    marker_of,
    moved,
    unconnected,
)
from shared.sync.services.oauth import OAuthParts, current_key
from shared.sync.services.trackers import GitLabTracker, LinearTracker

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore
    from shared.sync.ports import GitLabApi, GitLabStore, LinearApi, SyncStore, TaskWriting


# Where a write lands and what it answers live in the domain (shared.sync.domain.writes); named here too.
__all__ = ["IssueWrites", "Output", "Place", "marker_of"]


class IssueWrites:
    """The writes, through the tenant's stored key and connection (no secret in any output or error)."""

    def __init__(
        self,
        secrets: SecretStore,
        linear_store: SyncStore,
        linear: LinearApi,
        gitlab_store: GitLabStore,
        gitlab: GitLabApi,
        *,
        motion: TaskWriting | None = None,
        oauth: OAuthParts | None = None,
    ) -> None:
        self._secrets, self._linear_store, self._linear = secrets, linear_store, linear
        self._oauth = oauth  # refreshes an OAuth token about to expire before use
        self._gitlab_store, self._gitlab = gitlab_store, gitlab
        self._motion = motion

    @property
    def motion(self) -> TaskWriting:
        """The writes to Motion's connected workspace (decision 0122)."""
        if self._motion is None:
            raise ModelFixableError(unconnected("motion"))
        return self._motion

    def _linear_tracker(self, tenant_id: str, target: str) -> tuple[LinearTracker, str]:
        c = self._linear_store.connection(tenant_id)
        if c is None:
            raise ModelFixableError(unconnected("linear"))
        if target not in (c.team_id,):
            raise ModelFixableError(_elsewhere("linear", target, f"team {c.team_id} ({c.team_name})"))
        key = current_key(tenant_id, "linear", self._secrets, self._oauth)
        return LinearTracker(self._linear, key, self._linear.team(key, c.team_id), tenant_id, c), key

    def _gitlab_tracker(self, tenant_id: str, target: str) -> tuple[GitLabTracker, str, Any]:
        c = self._gitlab_store.connection(tenant_id)
        if c is None:
            raise ModelFixableError(unconnected("gitlab"))
        if target not in (str(c.project_id), c.project_path):
            raise ModelFixableError(
                _elsewhere("gitlab", target, f"project {c.project_id} ({c.project_path})")
            )
        token = current_key(tenant_id, "gitlab", self._secrets, self._oauth)
        return GitLabTracker(self._gitlab, token, c), token, c

    def create(self, at: Place, title: str, body: str, key: str) -> Output:
        """The issue made for ``key`` at ``at``: a ModelFixableError when the tool is not connected or the
        target is not its connected one."""
        fields = TaskFields(title=title, description=body)
        if at.tool == "linear":
            tracker, _ = self._linear_tracker(at.tenant_id, at.target)
            return _issue(at, tracker.create(marker_of(key), fields, None), "id")
        gitlab, _, _ = self._gitlab_tracker(at.tenant_id, at.target)
        return _issue(at, gitlab.create(marker_of(key), fields, None), "iid")

    def find_created(self, at: Place, key: str, since: datetime) -> Output | None:
        """The issue an earlier try for ``key`` made (GitLab: made since ``since``), or None."""
        if at.tool == "linear":
            tracker, _ = self._linear_tracker(at.tenant_id, at.target)
            found = tracker.read(issue_id_for(at.tenant_id, marker_of(key)))
            return _issue(at, found, "id") if found else None
        gitlab, _, _ = self._gitlab_tracker(at.tenant_id, at.target)
        made = gitlab.made(marker_of(key), since)
        return _issue(at, made, "iid") if made else None

    def update(self, at: Place, issue_id: str, changes: dict[str, Any], unchanged_since: str = "") -> Output:
        """Set ``changes`` (``title``, ``status``: a status group) on ``issue_id`` at ``at``. It sets values,
        so a retry sets the same ones again: no second effect. With ``unchanged_since`` (an undo's: the
        ``updated_at`` its check read), the issue is read again right before the write, and
        :class:`ChangedMeanwhile` raised, nothing written, when it was edited since."""
        if at.tool == "linear":
            tracker, _ = self._linear_tracker(at.tenant_id, at.target)
            if unchanged_since:
                found = tracker.read(issue_id)
                moved(found, tracker.updated_at(found) if found else "", unchanged_since)
            issue = tracker.write(issue_id, changes, "") or tracker.read(issue_id)
            key = "id"
        else:
            gitlab, _, _ = self._gitlab_tracker(at.tenant_id, at.target)
            if unchanged_since:
                found = gitlab.read(str(_iid(issue_id)))
                moved(found, gitlab.updated_at(found) if found else "", unchanged_since)
            issue = gitlab.write(str(_iid(issue_id)), changes, "") or gitlab.read(issue_id)
            key = "iid"
        if issue is None:
            raise ModelFixableError(f"{at.tool}: no issue {issue_id!r} in {at.target}")
        return _issue(at, issue, key)

    def read_fields(self, at: Place, issue_id: str) -> dict[str, Any] | None:
        """The issue's fields as the sync reads them (title, a status group, ...), or None when the
        tracker has no such issue: what an update replaced, and what an undo compares with. A Linear
        issue's also hold its exact workflow state (``state``: ``{id, name}``); GitLab's state is its
        status group (opened: unstarted, closed: completed)."""
        if at.tool == "linear":
            tracker, _ = self._linear_tracker(at.tenant_id, at.target)
            issue = tracker.read(issue_id)
            if issue is None:
                return None
            return tracker.fields(issue).model_dump() | {
                "state": state_of(issue),
                "updated_at": tracker.updated_at(issue),
            }
        gitlab, _, _ = self._gitlab_tracker(at.tenant_id, at.target)
        found = gitlab.read(str(_iid(issue_id)))
        return gitlab.fields(found).model_dump() | {"updated_at": gitlab.updated_at(found)} if found else None

    def changes_since(self, at: Place, issue_id: str, since: str) -> list[Change] | None:
        """The changes of the issue's title or status the tracker recorded after ``since``, oldest
        first; ``since`` is the tracker's own clock (an ``updated_at`` it answered). Linear's come from
        the issue's history (the first 50 entries Linear answers), GitLab's from its closes and reopens: its title
        changes are in no list its API gives."""
        if at.tool == "linear":
            _, key = self._linear_tracker(at.tenant_id, at.target)
            entries = [linear_change(e) for e in self._linear.issue_history(key, issue_id)]
        else:
            _, token, c = self._gitlab_tracker(at.tenant_id, at.target)
            events = self._gitlab.state_events(c.base_url, token, c.project_id, _iid(issue_id))
            entries = [gitlab_change(e) for e in events]
        return after(entries, since)

    def comment(self, at: Place, issue_id: str, body: str, key: str) -> Output:
        """A comment on ``issue_id`` at ``at``, made once for ``key``."""
        if at.tool == "linear":
            _, secret = self._linear_tracker(at.tenant_id, at.target)
            data = {"id": _comment_id(at, key), "issueId": issue_id, "body": body}
            return _comment(at, issue_id, self._linear.create_comment(secret, data))
        _, token, c = self._gitlab_tracker(at.tenant_id, at.target)
        text = f"{body.strip()}\n\n{gitlab_mapping.marker(marker_of(key))}"
        return _comment(
            at, issue_id, self._gitlab.create_note(c.base_url, token, c.project_id, _iid(issue_id), text)
        )

    def read_comment(self, at: Place, issue_id: str, comment_id: str) -> dict[str, Any] | None:
        """A comment's ``text`` and how many ``replies`` its thread holds (Linear's; a GitLab note's
        replies are not read: 0), or None when it is gone: what an undo compares before deleting it."""
        if at.tool == "linear":
            _, secret = self._linear_tracker(at.tenant_id, at.target)
            found = self._linear.comment(secret, comment_id)
            if found is None:
                return None
            replies = len(((found.get("children") or {}).get("nodes")) or [])
            return {"text": str(found.get("body") or ""), "replies": replies}
        _, token, c = self._gitlab_tracker(at.tenant_id, at.target)
        if not comment_id.isdigit():
            raise ModelFixableError(f"gitlab: comment {comment_id!r} is no note's id")
        note = self._gitlab.note(c.base_url, token, c.project_id, _iid(issue_id), int(comment_id))
        return {"text": str(note.get("body") or ""), "replies": 0} if note else None

    def delete_comment(self, at: Place, issue_id: str, comment_id: str) -> bool:
        """Delete a comment the connection made (Linear's ``commentDelete``, GitLab's note): whether it
        was there to delete."""
        if at.tool == "linear":
            _, secret = self._linear_tracker(at.tenant_id, at.target)
            return self._linear.delete_comment(secret, comment_id)
        _, token, c = self._gitlab_tracker(at.tenant_id, at.target)
        return self._gitlab.delete_note(c.base_url, token, c.project_id, _iid(issue_id), int(comment_id))

    def find_comment(self, at: Place, issue_id: str, key: str) -> Output | None:
        """The comment an earlier try for ``key`` made, or None."""
        if at.tool == "linear":
            _, secret = self._linear_tracker(at.tenant_id, at.target)
            found = self._linear.comment(secret, _comment_id(at, key))
            return _comment(at, issue_id, found) if found else None
        _, token, c = self._gitlab_tracker(at.tenant_id, at.target)
        mine = marker_of(key)
        for note in self._gitlab.notes(c.base_url, token, c.project_id, _iid(issue_id)):
            if gitlab_mapping.page_of({"description": note.get("body")}) == mine:
                return _comment(at, issue_id, note)
        return None


def _comment_id(at: Place, key: str) -> str:
    """The id of the Linear comment made for ``key``: the same for every retry."""
    return issue_id_for(at.tenant_id, f"comment-{marker_of(key)}")


def _comment(at: Place, issue_id: str, comment: dict[str, Any]) -> Output:
    return {"tool": at.tool, "target": at.target, "issue_id": issue_id, "comment_id": str(comment["id"])}


def _iid(issue_id: str) -> int:
    if not issue_id.isdigit():
        raise ModelFixableError(f"gitlab: issue_id {issue_id!r} must be the issue's number in its project")
    return int(issue_id)


def _issue(at: Place, issue: dict[str, Any], id_key: str) -> Output:
    return {
        "tool": at.tool,
        "target": at.target,
        "issue_id": str(issue[id_key]),
        "title": str(issue.get("title") or ""),
    }


def _elsewhere(tool: str, target: str, connected: str) -> str:
    return f"{tool}: target {target!r} is not the connected one; use {connected}"
