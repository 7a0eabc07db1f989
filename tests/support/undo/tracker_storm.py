"""The tracker part of the undo storm (tests/reliability/test_undo_reliability.py): the Linear, GitLab
and Motion sandboxes behind the engine's own adapters, the tenant connected to each, and the faults
the storm plants. :class:`StormLinear` (:class:`StormGitLab`, :class:`StormMotion`) kills an undo run once its restore of an issue landed (before the
result is recorded), lets a person change an item just before the undo's write (Motion's: before its
re-read), and counts each restore and archive per item and deletion per comment or task; :func:`editing_at_intent` lets a person
change a page or an issue as the undo step's intent is recorded (after the undo began, before it
compares)."""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.gitlab_sandbox.app import PROJECT_ID, PROJECT_PATH
from local.gitlab_sandbox.app import TOKEN as GITLAB_TOKEN
from local.gitlab_sandbox.app import USERS as GITLAB_USERS
from local.linear_sandbox import LinearSandbox
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import STATUSES, WORKSPACE_ID
from local.motion_sandbox.app import USERS as MOTION_USERS
from shared.platform.adapters.pacing import Pacer
from shared.runs.domain.events import ToolIntent
from shared.sync.adapters.gitlab import GitLabRest
from shared.sync.adapters.linear import LinearGraphQL
from shared.sync.adapters.motion import MotionRest
from shared.sync.domain.connection import GitLabConnection, LinearConnection, MotionConnection, key_secret

REVIEW, PERSON = "state-review", "state-canceled"  # the state each run replaced; a person's


def connect(container: Any, tenant_id: str, url: str) -> None:
    """The tenant connected to the sandbox's team at ``url`` (its key stored, its connection saved),
    through a Linear adapter paced far above the storm's needs."""
    container.instance.built["linear"] = LinearGraphQL(url, 10.0, pacer=Pacer(1000.0, 1000, 5.0))
    container.platform.secrets.put(key_secret(tenant_id, "linear"), KEY)
    made = LinearConnection(team_id=TEAM_ID, data_source_id="storm", connected_at=datetime.now(UTC))
    container.sync.sync_store.save_connection(tenant_id, made)


class StormAdapter:
    """A tracker adapter ``inner`` with the storm's faults: ``kill`` (item → undo run, killed through
    ``hit`` once after its restore lands), ``window`` (items a person changes just before the undo's
    write), and the count of each restore, archive (close) and deletion the tracker was asked for."""

    def __init__(self, inner: Any, hit: Callable[[str], None]) -> None:
        self.inner, self.hit = inner, hit
        self.kill: dict[str, str] = {}
        self.window: set[str] = set()
        self.restores, self.archives, self.deletes = Counter[str](), Counter[str](), Counter[str]()
        self.unarchives = Counter[str]()  # an undo's archive undone (a redo's, Linear's)
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def deleted(self, item: str, deleted: object) -> bool:
        """Whether a deletion the tracker was asked for deleted ``item``, counted once it did."""
        with self.lock:
            self.deletes[item] += bool(deleted)
        return bool(deleted)

    def twice(self) -> int:
        """How many items the tracker was asked to restore, archive or delete more than once."""
        counts = (self.restores, self.archives, self.deletes)
        return sum(n > 1 for count in counts for n in count.values())


class StormLinear(StormAdapter):
    """The engine's Linear adapter, with the storm's faults (filled in once the undos are asked):
    ``kill`` (issue → undo run, killed once after its restore lands), ``window`` (issues a person moves
    to :data:`PERSON` just before the undo's restore)."""

    def __init__(self, inner: Any, sandbox: LinearSandbox, hit: Callable[[str], None]) -> None:
        super().__init__(inner, hit)
        self.sandbox = sandbox

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        restoring = fields.get("stateId") == REVIEW
        with self.lock:
            person = restoring and issue_id in self.window
            self.window.discard(issue_id)
        if person:
            self.sandbox.edit(issue_id, stateId=PERSON)
        answer = dict(self.inner.update_issue(key, issue_id, fields))
        if restoring:
            with self.lock:
                self.restores[issue_id] += 1
            if issue_id in self.kill:
                self.hit(self.kill[issue_id])
        return answer

    def delete_comment(self, key: str, comment_id: str) -> bool:
        return self.deleted(comment_id, self.inner.delete_comment(key, comment_id))

    def archive_issue(self, key: str, issue_id: str) -> None:
        self.inner.archive_issue(key, issue_id)
        with self.lock:
            self.archives[issue_id] += 1

    def unarchive_issue(self, key: str, issue_id: str) -> None:
        self.inner.unarchive_issue(key, issue_id)
        with self.lock:
            self.unarchives[issue_id] += 1


def editing_at_intent(inner: Any, step: int, targets: dict[str, str], act: Callable[[str], None]) -> Any:
    """The run store; when an undo run of ``targets`` (undo run → what a person changes: a page, an
    issue) records step ``step``'s intent, ``act`` is the person's change of it, once: after the undo
    began, before it compares."""
    edited: set[str] = set()
    lock = threading.Lock()

    class Store:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def add_event(self, tenant: str, run: str, event: Any) -> bool:
            ok = bool(inner.add_event(tenant, run, event))
            if isinstance(event, ToolIntent) and event.step == step and run in targets:
                with lock:
                    first = run not in edited
                    edited.add(run)
                if first:
                    act(targets[run])
            return ok

    return Store()


STORED = {"data_source_id": "storm", "connected_at": datetime.now(UTC)}  # what every storm connection holds


def connect_gitlab(container: Any, tenant_id: str, url: str) -> None:
    """The tenant connected to the GitLab sandbox's project at ``url`` (its token stored, its
    connection saved as a connect would), through a GitLab adapter paced far above the storm's needs."""
    container.instance.built["gitlab"] = GitLabRest(10.0, pacer=Pacer(1000.0, 1000, 5.0))
    container.platform.secrets.put(key_secret(tenant_id, "gitlab"), GITLAB_TOKEN)
    owner = int(str(GITLAB_USERS[0]["id"]))
    lab = {"base_url": url, "project_id": PROJECT_ID, "project_path": PROJECT_PATH, "user_id": owner}
    container.sync.gitlab_store.save_connection(tenant_id, GitLabConnection.model_validate(STORED | lab))


def connect_motion(container: Any, tenant_id: str, api_url: str) -> None:
    """The tenant connected to the Motion sandbox's team workspace at ``api_url``, through a Motion
    adapter paced far above the storm's needs."""
    fast = (Pacer(1000.0, 1000, 5.0), Pacer(1000.0, 1000, 5.0))
    container.instance.built["motion"] = MotionRest(10.0, api_url, paced=fast)
    container.platform.secrets.put(key_secret(tenant_id, "motion"), MOTION_KEY)
    team = {
        "workspace_id": WORKSPACE_ID,
        "team": True,
        "user_id": MOTION_USERS[0]["id"],
        "statuses": STATUSES,
    }
    container.sync.motion_store.save_connection(tenant_id, MotionConnection.model_validate(STORED | team))


class StormGitLab(StormAdapter):
    """The engine's GitLab adapter with the storm's faults (filled in once the undos are asked):
    ``kill`` (iid → undo run, killed once after its reopen of the issue lands), ``window`` (iids a
    person reopens just before the undo's reopen), ``renames`` (iids a person renames just after the
    undo's check read them, before its re-read). Counts each reopen of a ``tracked`` issue, each
    close of another (an issue a run made) and each deletion of a note."""

    def __init__(self, inner: Any, sandbox: Any, tracked: set[str], hit: Callable[[str], None]) -> None:
        super().__init__(inner, hit)
        self.sandbox, self.tracked = sandbox, tracked
        self.renames: dict[str, str] = {}  # iid → the title a person gives it just after the undo's check

    def issue(self, base: str, token: str, project_id: int, iid: int) -> Any:
        answer = self.inner.issue(base, token, project_id, iid)
        with self.lock:
            title = self.renames.pop(str(iid), None)
        if title is not None:
            self.sandbox.edit(iid, title=title)
        return answer

    def update_issue(self, base: str, token: str, project_id: int, iid: int, params: dict[str, Any]) -> Any:
        event, key = params.get("state_event"), str(iid)
        restoring = key in self.tracked and event == "reopen"
        with self.lock:
            person = restoring and key in self.window
            self.window.discard(key)
        if person:
            self.sandbox.edit(iid, state="opened")
        answer = self.inner.update_issue(base, token, project_id, iid, params)
        with self.lock:
            if restoring:
                self.restores[key] += 1
            elif event == "close" and key not in self.tracked:
                self.archives[key] += 1
        if restoring and key in self.kill:
            self.hit(self.kill[key])
        return answer

    def delete_note(self, base: str, token: str, project_id: int, iid: int, note_id: int) -> bool:
        return self.deleted(str(note_id), self.inner.delete_note(base, token, project_id, iid, note_id))


class StormMotion(StormAdapter):
    """The engine's Motion adapter with the storm's faults: ``kill`` (task → undo run, killed once
    after its restore of the task's status, ``restoring``, lands), ``window`` (tasks ``person`` edits
    just after the undo's check read them, before its re-read and write). Counts each restore and
    deletion per task."""

    def __init__(
        self, inner: Any, restoring: str, hit: Callable[[str], None], person: Callable[[str], None]
    ) -> None:
        super().__init__(inner, hit)
        self.restoring, self.person = restoring, person

    def task(self, key: Any, task_id: str) -> Any:
        answer = self.inner.task(key, task_id)
        with self.lock:
            person = task_id in self.window
            self.window.discard(task_id)
        if person:
            self.person(task_id)
        return answer

    def delete_task(self, key: Any, task_id: str) -> bool:
        return self.deleted(task_id, self.inner.delete_task(key, task_id))

    def update_task(self, key: Any, task_id: str, body: dict[str, Any]) -> Any:
        answer = self.inner.update_task(key, task_id, body)
        if body.get("status") == self.restoring:
            with self.lock:
                self.restores[task_id] += 1
            if task_id in self.kill:
                self.hit(self.kill[task_id])
        return answer
