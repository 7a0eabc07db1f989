"""GitLab's sync stack, for its integration tests and ``make bench-sync``: the GitLab sandbox and the
Notion sandbox over real HTTP, the Firestore emulator's client, secrets in a local file, a recording
queue, and a new tenant whose home has the seeded Tasks data source (tests/support/sync/sync_stack.py)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.gitlab_sandbox import GitLabSandbox, GitLabServer
from local.notion_sandbox.testing import Admin
from shared.platform.adapters.local_secrets import LocalFileSecrets
from shared.platform.adapters.pacing import Pacer
from shared.sync.adapters.firestore_sync import FirestoreGitLabSync
from shared.sync.adapters.gitlab import GitLabRest
from shared.sync.services.connect import GitLabLinking
from shared.sync.services.intake import GitLabIntake, Intake
from shared.sync.services.mirror import GitLabMirroring, Mirror
from shared.workspace.adapters.firestore_tenants import FirestoreWebhookEvents
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.sync.sync_stack import HOOK_BASE, new_workspace, sandbox_notion


@dataclass
class GitLabStack:
    tenant_id: str
    gitlab: GitLabSandbox
    url: str  # the sandbox's base URL (the instance's, as an owner gives it)
    api: GitLabRest
    queue: FakeQueue
    secrets: LocalFileSecrets
    store: FirestoreGitLabSync
    linking: GitLabLinking
    intake: GitLabIntake
    mirroring: GitLabMirroring
    notion: Any
    admin: Admin
    clock: list[datetime]


@contextmanager
def gitlab_stack(
    firestore_db: Any, notion_url: str, secrets_dir: Path, now: Callable[[], datetime] | None = None
) -> Iterator[GitLabStack]:
    """The stack over a Notion sandbox reset to its seed; ``now`` as in sync_stack. The connect runs
    as the local profile's (the sandbox is on loopback, over http)."""
    admin, owner, tenants = new_workspace(firestore_db, notion_url)
    secrets = LocalFileSecrets(str(secrets_dir / "secrets.json"))
    store, queue = FirestoreGitLabSync(firestore_db), FakeQueue()
    clock = [datetime.now(UTC)]
    time_now = now or (lambda: clock[0])
    with GitLabServer() as server:
        api = GitLabRest(10.0, pacer=Pacer(1000.0, 1000, 5.0))
        notion = sandbox_notion(notion_url)
        yield GitLabStack(
            owner.tenant_id,
            server.sandbox,
            server.url,
            api,
            queue,
            secrets,
            store,
            GitLabLinking(
                tenants,
                secrets,
                store,
                api,
                queue,
                lambda t: f"{HOOK_BASE}/sync/gitlab/webhook/{t}",
                allow_local=True,
                now=time_now,
            ),
            Intake(store, secrets, FirestoreWebhookEvents(firestore_db), queue, 3600.0, now=time_now),
            Mirror(store, api, secrets, queue, notion_for=lambda _t: notion, now=time_now),
            notion,
            admin,
            clock,
        )
