"""A run's writes to the connected Motion workspace (decision 0122): create a task, set its title or status
group, comment on it, each once per step key. Motion chooses its ids, so a create's description and a
comment end with the agent's signature, whose link holds the key (decision 0130); a retry finds it among
what the key's user made since the run began. Requests go through the sync's paced adapter."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.code.domain.github_events import run_of_ref
from shared.platform.errors import ModelFixableError
from shared.sync.domain import motion
from shared.sync.domain.connection import key_secret
from shared.sync.domain.fields import TaskFields
from shared.sync.domain.writes import Change, Output, Place, moved, unconnected
from shared.sync.services.trackers import CLOCK_SLACK, MotionTracker
from shared.workspace.domain.tenants import tenant_tag

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore
    from shared.sync.domain.connection import MotionConnection
    from shared.sync.ports import MotionApi, MotionStore


class TaskWrites:
    """The writes, through the tenant's stored key and connection (no secret in any output or error)."""

    def __init__(self, secrets: SecretStore, store: MotionStore, api: MotionApi, console: str = "") -> None:
        self._secrets, self._store, self._api = secrets, store, api
        self._console = console  # the console's URL (settings: frontend_url), where a signature links

    def signed(self, at: Place, body: str, key: str) -> str:
        """``body`` ending with the signature of ``key``: a link to its run's page in the console."""
        run_id = run_of_ref(key, tenant_tag(at.tenant_id)) or ""
        return f"{body.strip()}\n\n{motion.signature(self._console, key, run_id)}".lstrip()

    def _tracker(self, at: Place) -> tuple[MotionTracker, motion.MotionKey, MotionConnection]:
        c = self._store.connection(at.tenant_id)
        if c is None:
            raise ModelFixableError(unconnected("motion"))
        if at.target != c.workspace_id:
            raise ModelFixableError(
                f"motion: target {at.target!r} is not the connected one; use workspace {c.workspace_id} "
                f"({c.workspace_name})"
            )
        key = motion.MotionKey(self._secrets.get(key_secret(at.tenant_id, "motion")), c.team)
        return MotionTracker(self._api, key, c), key, c

    def create(self, at: Place, title: str, body: str, key: str) -> Output:
        """The task made for ``key`` in the connected workspace ``at``."""
        tracker, _, _ = self._tracker(at)
        text = self.signed(at, body, key)
        return _task(at, tracker.create("", TaskFields(title=title, description=text), None))

    def find_created(self, at: Place, key: str, since: datetime) -> Output | None:
        """The task an earlier try for ``key`` made: by the key's user since ``since``, signed for ``key``
        (either form: :func:`shared.sync.domain.motion.signed`)."""
        tracker, _, c = self._tracker(at)
        for task in tracker.listed():
            mine = motion.made_for(task, str(task.get("name") or ""), c.user_id, since - CLOCK_SLACK)
            if mine and motion.signed(str(task.get("description") or ""), key):
                return _task(at, task)
        return None

    def update(self, at: Place, task_id: str, changes: dict[str, Any], unchanged_since: str = "") -> Output:
        """Set ``changes`` (``title``, ``status``: a status group) on ``task_id``: values, so a retry is no
        second effect. With ``unchanged_since`` (an undo's: the ``updatedTime`` its check read), the task
        read right before the write must still show it, else :class:`ChangedMeanwhile`, nothing written:
        Motion keeps no history to find a person's edit after the write (decision 0197)."""
        tracker, _, _ = self._tracker(at)
        found = tracker.read(task_id)
        moved(found, tracker.updated_at(found) if found else "", unchanged_since)
        if found is None:
            raise ModelFixableError(f"motion: no task {task_id!r} in workspace {at.target}")
        return _task(at, tracker.write(task_id, changes, "") or found)

    def read_fields(self, at: Place, task_id: str) -> dict[str, Any] | None:
        """The task's fields as the sync reads them (title, a status group, ...) and its exact status
        (``state``: its name), or None when the workspace has no such task: what an update replaced,
        and what an undo compares with."""
        tracker, _, _ = self._tracker(at)
        found = tracker.read(task_id)
        if found is None:
            return None
        state = str((found.get("status") or {}).get("name") or "")
        return tracker.fields(found).model_dump() | {"state": state, "updated_at": tracker.updated_at(found)}

    def changes_since(self, at: Place, task_id: str, since: str) -> list[Change] | None:
        """None: Motion's API gives no task's history, so no change between an undo's check and its
        write can be found after it (decision 0185)."""
        return None

    def comment(self, at: Place, task_id: str, body: str, key: str) -> Output:
        """A comment on ``task_id``, made once for ``key``."""
        _, secret, _ = self._tracker(at)
        made = self._api.create_comment(secret, task_id, self.signed(at, body, key))
        return _comment(at, task_id, made)

    def delete(self, at: Place, task_id: str) -> bool:
        """Delete ``task_id`` (an undo's, of the task its run made): whether there was one to delete."""
        _, secret, _ = self._tracker(at)
        return self._api.delete_task(secret, task_id)

    def people_comments(self, at: Place, task_id: str) -> int:
        """How many of ``task_id``'s comments no agent signed: a person's, which deleting the task
        would take with it."""
        _, secret, _ = self._tracker(at)
        found = self._api.comments(secret, task_id)
        return sum(motion.signer(str(c.get("content") or "")) is None for c in found)

    def find_comment(self, at: Place, task_id: str, key: str) -> Output | None:
        """The comment an earlier try for ``key`` made on ``task_id``, or None."""
        _, secret, _ = self._tracker(at)
        for found in self._api.comments(secret, task_id):
            if motion.signed(str(found.get("content") or ""), key):
                return _comment(at, task_id, found)
        return None


def _task(at: Place, task: dict[str, Any]) -> Output:
    return {
        "tool": "motion",
        "target": at.target,
        "task_id": str(task["id"]),
        "title": str(task.get("name") or ""),
    }


def _comment(at: Place, task_id: str, comment: dict[str, Any]) -> Output:
    return {"tool": "motion", "target": at.target, "task_id": task_id, "comment_id": str(comment["id"])}
