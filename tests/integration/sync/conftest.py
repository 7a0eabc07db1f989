"""The sync's stack for its integration tests: the Firestore emulator, the Linear sandbox and the
Notion sandbox over real HTTP, secrets in a local file (the local stack's adapter), a recording queue;
and a tenant whose home has the sandbox's seeded Tasks data source."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.linear_sandbox import LinearSandbox, LinearServer
from local.linear_sandbox.app import KEY, TEAM_ID
from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.testing import Admin
from shared.notion.adapters.notion import NotionApi, build_client
from shared.platform.adapters.local_secrets import LocalFileSecrets
from shared.platform.adapters.pacing import Pacer
from shared.sync.adapters.firestore_sync import FirestoreSync
from shared.sync.adapters.linear import LinearGraphQL
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import Linking
from shared.sync.services.intake import LinearIntake
from shared.sync.services.mirror import Mirroring
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore, FirestoreWebhookEvents
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from tests.fakes import FakeQueue
from tests.support.firestore_tenants import tenant

NOTION_TOKEN = "ntn_sandbox_demo"
IDS = seed_ids("demo")
HOOK_BASE = "https://agent.example/api"

__all__ = ["KEY", "TEAM_ID", "SyncStack", "sync_tasks"]


@dataclass
class SyncStack:
    tenant_id: str
    linear: LinearSandbox
    queue: FakeQueue
    secrets: LocalFileSecrets
    store: FirestoreSync
    db: Any
    linking: Linking
    intake: LinearIntake
    mirroring: Mirroring
    notion: Any
    admin: Admin
    clock: list[datetime]


def sync_tasks(queue: FakeQueue) -> list[SyncTask]:
    """The sync tasks queued, in order."""
    return [task for _, task, _, _ in queue.tasks if isinstance(task, SyncTask)]


@pytest.fixture(scope="module")
def notion_server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def stack(firestore_emulator: Any, notion_server: SandboxServer, tmp_path: Path) -> Iterator[SyncStack]:
    """A new workspace each test (its own tenant id: no emulator reset, which a loaded machine makes slow)."""
    firestore_db = firestore_emulator.client()
    admin = Admin(notion_server.url)
    admin.post("/reset")
    home = AgentHome(
        tasks=HomeDatabase(database_id=IDS["tasks_database"], data_source_id=IDS["tasks_data_source"])
    )
    owner = tenant(f"ws-sync-{uuid.uuid4().hex[:12]}", home=home)
    tenants = FirestoreTenantStore(firestore_db)
    tenants.save(owner)
    secrets = LocalFileSecrets(str(tmp_path / "secrets.json"))
    store, queue = FirestoreSync(firestore_db), FakeQueue()
    clock = [datetime.now(UTC)]
    with LinearServer() as server:
        linear = LinearGraphQL(server.url, 10.0, pacer=Pacer(1000.0, 1000, 5.0))
        notion = NotionApi(build_client(notion_server.url, timeout_s=10), max_inline_wait_s=1.0).with_token(
            NOTION_TOKEN
        )
        yield SyncStack(
            owner.tenant_id,
            server.sandbox,
            queue,
            secrets,
            store,
            firestore_db,
            Linking(
                tenants,
                secrets,
                store,
                linear,
                queue,
                lambda t: f"{HOOK_BASE}/sync/linear/webhook/{t}",
                now=lambda: clock[0],
            ),
            LinearIntake(
                store, secrets, FirestoreWebhookEvents(firestore_db), queue, 3600.0, now=lambda: clock[0]
            ),
            Mirroring(store, linear, secrets, queue, notion_for=lambda _t: notion, now=lambda: clock[0]),
            notion,
            admin,
            clock,
        )
