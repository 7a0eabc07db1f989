"""The tracker part of the undo storm (tests/reliability/test_undo_reliability.py): the Linear sandbox
behind the engine's own Linear adapter, the tenant connected to its team, and the faults the storm
plants. :class:`StormLinear` kills an undo run once its restore of an issue landed (before the
result is recorded), lets a person change an issue just before the undo's write, and counts each
restore and archive per issue and deletion per comment; :func:`editing_at_intent` lets a person
change a page or an issue as the undo step's intent is recorded (after the undo began, before it
compares)."""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.linear_sandbox import LinearSandbox
from local.linear_sandbox.app import KEY, TEAM_ID
from shared.platform.adapters.pacing import Pacer
from shared.runs.domain.events import ToolIntent
from shared.sync.adapters.linear import LinearGraphQL
from shared.sync.domain.connection import LinearConnection, key_secret

REVIEW, PERSON = "state-review", "state-canceled"  # the state each run replaced; a person's


def connect(container: Any, tenant_id: str, url: str) -> None:
    """The tenant connected to the sandbox's team at ``url`` (its key stored, its connection saved),
    through a Linear adapter paced far above the storm's needs."""
    container.instance.built["linear"] = LinearGraphQL(url, 10.0, pacer=Pacer(1000.0, 1000, 5.0))
    container.platform.secrets.put(key_secret(tenant_id, "linear"), KEY)
    made = LinearConnection(team_id=TEAM_ID, data_source_id="storm", connected_at=datetime.now(UTC))
    container.sync.sync_store.save_connection(tenant_id, made)


class StormLinear:
    """The engine's Linear adapter, with the storm's faults (filled in once the undos are asked):
    ``kill`` (issue → undo run, killed once after its restore lands), ``window`` (issues a person moves
    to :data:`PERSON` just before the undo's restore)."""

    def __init__(self, inner: Any, sandbox: LinearSandbox, hit: Callable[[str], None]) -> None:
        self.inner, self.sandbox, self.hit = inner, sandbox, hit
        self.kill: dict[str, str] = {}
        self.window: set[str] = set()
        self.restores, self.archives, self.deletes = Counter[str](), Counter[str](), Counter[str]()
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

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
        deleted = bool(self.inner.delete_comment(key, comment_id))
        with self.lock:
            self.deletes[comment_id] += deleted
        return deleted

    def archive_issue(self, key: str, issue_id: str) -> None:
        self.inner.archive_issue(key, issue_id)
        with self.lock:
            self.archives[issue_id] += 1


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
