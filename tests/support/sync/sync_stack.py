"""The sync's stack, shared by its integration tests and ``make bench-sync``: the Linear sandbox and
the Notion sandbox over real HTTP, the Firestore emulator's client, secrets in a local file (the local
stack's adapter), a recording queue, and a new tenant whose home has the seeded Tasks data source."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.linear_sandbox import LinearSandbox, LinearServer
from local.notion_sandbox import seed_ids
from local.notion_sandbox.testing import Admin
from shared.notion.adapters.notion import NotionApi, build_client
from shared.platform.adapters.local_secrets import LocalFileSecrets
from shared.platform.adapters.pacing import Pacer
from shared.sync.adapters.firestore_sync import FirestoreSync
from shared.sync.adapters.linear import LinearGraphQL
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import Linking
from shared.sync.services.intake import Intake, LinearIntake
from shared.sync.services.mirror import Mirror, Mirroring
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore, FirestoreWebhookEvents
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.workspace.firestore_tenants import tenant

NOTION_TOKEN = "ntn_sandbox_demo"
IDS = seed_ids("demo")
HOOK_BASE = "https://agent.example/api"


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
    url: str = ""  # the Linear sandbox's base URL (its API and its OAuth endpoints)


def sync_tasks(queue: FakeQueue) -> list[SyncTask]:
    """The sync tasks queued, in order."""
    return [task for _, task, _, _ in queue.tasks if isinstance(task, SyncTask)]


def new_workspace(firestore_db: Any, notion_url: str) -> tuple[Admin, Any, FirestoreTenantStore]:
    """The Notion sandbox reset to its seed, and a new tenant whose home has its Tasks data source."""
    admin = Admin(notion_url)
    admin.post("/reset")
    home = AgentHome(
        tasks=HomeDatabase(database_id=IDS["tasks_database"], data_source_id=IDS["tasks_data_source"])
    )
    owner = tenant(f"ws-sync-{uuid.uuid4().hex[:12]}", home=home)  # a new workspace: no emulator reset needed
    tenants = FirestoreTenantStore(firestore_db)
    tenants.save(owner)
    return admin, owner, tenants


def sandbox_notion(notion_url: str) -> Any:
    """The Notion API's adapter on the sandbox, with the seeded workspace's token."""
    return NotionApi(build_client(notion_url, timeout_s=10), max_inline_wait_s=1.0).with_token(NOTION_TOKEN)


@contextmanager
def sync_stack(
    firestore_db: Any, notion_url: str, secrets_dir: Path, now: Callable[[], datetime] | None = None
) -> Iterator[SyncStack]:
    """The stack over a Notion sandbox reset to its seed; ``now`` is the services' clock (default: the
    list ``clock[0]``, which a test moves; set once to the time the stack starts)."""
    admin, owner, tenants = new_workspace(firestore_db, notion_url)
    secrets = LocalFileSecrets(str(secrets_dir / "secrets.json"))
    store, queue = FirestoreSync(firestore_db), FakeQueue()
    clock = [datetime.now(UTC)]
    time_now = now or (lambda: clock[0])
    with LinearServer() as server:
        linear = LinearGraphQL(server.url, 10.0, pacer=Pacer(1000.0, 1000, 5.0))
        notion = sandbox_notion(notion_url)
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
                now=time_now,
            ),
            Intake(store, secrets, FirestoreWebhookEvents(firestore_db), queue, 3600.0, now=time_now),
            Mirror(store, linear, secrets, queue, notion_for=lambda _t: notion, now=time_now),
            notion,
            admin,
            clock,
            server.url,
        )
