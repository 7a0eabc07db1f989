"""A realistic workspace on the local stack, made through the product's own paths, for the restore
drill (``make restore-drill``) and the erasure test: a sandbox workspace connected by its owner with
Notion OAuth, settings that watch a data source and mail the owner, a GitHub token (a secret), an
API key, a run that completed and one that waits for the owner's approval (events, notifications),
and the workspace index of its chosen pages (passages, by the nightly reconcile's own code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from local.code_sandbox import SEED as CODE
from local.demo import connect, http, wait_for
from local.firestore_dump import client
from local.stack import LocalStack

if TYPE_CHECKING:
    from shared.bootstrap import Container


class Seeded(NamedTuple):
    key: str  # the sandbox workspace's key
    tenant_id: str
    workspace_id: str
    auth: dict[str, str]  # the owner's console headers: session cookie, Origin, CSRF token
    runs: tuple[str, ...]
    passages: int  # what the index holds after its reconcile


def seed_workspace(stack: LocalStack, key: str) -> Seeded:
    """Workspace ``key`` (a new sandbox workspace of the demo's seed) connected and used as an owner
    would: every call through the api, the index through the reconcile task's service."""
    info = stack.sandbox_admin("POST", "/workspaces", {"key": key, "seed": "demo"})
    ids, api = info["ids"], stack.url_of_api()
    stack.sandbox_admin("POST", "/oauth", {"workspace": key})
    auth = connect(stack)

    def call(method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answered, answer, _ = http(method, api + path, body, auth)
        assert answered == status, (method, path, answered, answer)
        return answer

    tenant_id, workspace_id = call("GET", "/session")["tenant_id"], info["workspace_id"]
    chosen = {"data_source_ids": [ids["ideas_data_source"]], "notification_email": f"owner@{key}.example"}
    call("PATCH", "/settings", chosen)
    call("PUT", "/integrations/github", {"token": CODE["github_token"]})
    call("POST", "/api-keys", {"name": "script", "scopes": ["read", "runs:start"]}, 201)
    done = call("POST", "/runs", {"goal": "Write a note on the launch"}, 202)["run_id"]
    asks = call("POST", "/runs", {"goal": "Plan it", "page_id": ids["idea_newsletter"]}, 202)["run_id"]
    for run_id, status in ((done, "completed"), (asks, "waiting_for_human")):

        def reached(run_id: str = run_id, status: str = status) -> bool:  # 404 until plan made it
            return bool(http("GET", f"{api}/runs/{run_id}", None, auth)[1].get("status") == status)

        wait_for(reached, f"run {run_id} {status}", timeout_s=120)
    passages = index_workspace(stack, tenant_id)
    return Seeded(key, tenant_id, workspace_id, auth, (done, asks), passages)


@contextmanager
def in_process(stack: LocalStack, **settings: Any) -> Iterator[Container]:
    """A container of the stack's own settings (``settings`` over them), in this process."""
    from shared.bootstrap import Container
    from shared.platform.config import Settings

    yield Container(Settings.from_env(stack.env()).replace(**settings))


def index_workspace(stack: LocalStack, tenant_id: str) -> int:
    """The workspace's index built as the nightly reconcile builds it (``POST /reconcile``'s service);
    the number of passages it then holds."""
    from shared.memory.services.workspace_index import run_reconcile_task
    from shared.platform.domain.index_task import ReconcileTask

    with in_process(stack, workspace_index=True) as container:
        task = ReconcileTask(tenant_id=tenant_id, day=datetime.now(UTC).date())
        done = run_reconcile_task(task, container.engine(with_model=False))
        assert done.get("reconciled") is True, done
    db = client(f"127.0.0.1:{stack.firestore_port}", stack.project)
    passages = db.collection("tenants").document(tenant_id).collection("passages")
    return sum(1 for _ in passages.select([]).stream())
