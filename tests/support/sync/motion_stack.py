"""Motion's sync stack, for its integration tests and ``make bench-sync``: the Motion sandbox and the Notion
sandbox over real HTTP, the Firestore emulator's client, secrets in a local file, a recording queue, and a
new tenant whose home has the seeded Tasks data source (tests/support/sync/sync_stack.py). Our adapter is paced
at Motion's real limits on a :class:`SkipClock` the sandbox's rate windows share: a pacer's wait moves
the clock instead of sleeping, so the limits hold and no test waits a minute."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.motion_sandbox import MotionSandbox, MotionServer
from local.notion_sandbox.testing import Admin
from shared.platform.adapters.local_secrets import LocalFileSecrets
from shared.platform.adapters.pacing import Pacer
from shared.sync.adapters.firestore_sync import FirestoreMotionSync
from shared.sync.adapters.motion import MotionRest, pacers
from shared.sync.services.mirror import Mirror, MotionMirroring
from shared.sync.services.motion import MotionLinking
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.sync.sync_stack import new_workspace, sandbox_notion


class SkipClock:
    """Monotonic seconds that a sleep moves forward at once (and :meth:`skip`, the queue's delay)."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.stopped_at: float | None = None

    def __call__(self) -> float:
        now = time.monotonic() if self.stopped_at is None else self.stopped_at
        return now + self.skipped

    def stop(self) -> None:
        """Real time no longer moves the clock, only :meth:`skip` does: a window's count is then
        the same on a loaded machine, where a hundred requests may take more than a minute."""
        self.stopped_at = time.monotonic()

    def skip(self, seconds: float) -> None:
        self.skipped += max(0.0, seconds)


def motion_pacers(clock: SkipClock) -> tuple[Pacer, Pacer]:
    """The adapter's own pacers (shared.sync.adapters.motion.pacers) on ``clock``."""
    return pacers(clock, clock.skip)


@dataclass
class MotionStack:
    tenant_id: str
    motion: MotionSandbox
    api: MotionRest
    queue: FakeQueue
    secrets: LocalFileSecrets
    store: FirestoreMotionSync
    linking: MotionLinking
    mirroring: MotionMirroring
    notion: Any
    admin: Admin
    clock: list[datetime]
    pace: SkipClock


@contextmanager
def motion_stack(
    firestore_db: Any, notion_url: str, secrets_dir: Path, now: Callable[[], datetime] | None = None
) -> Iterator[MotionStack]:
    """The stack over a Notion sandbox reset to its seed; ``now`` as in sync_stack."""
    admin, owner, tenants = new_workspace(firestore_db, notion_url)
    secrets = LocalFileSecrets(str(secrets_dir / "secrets.json"))
    store, queue = FirestoreMotionSync(firestore_db), FakeQueue()
    clock = [datetime.now(UTC)]
    time_now = now or (lambda: clock[0])
    pace = SkipClock()
    with MotionServer(MotionSandbox(clock=pace)) as server:
        api = MotionRest(10.0, server.api_url, paced=motion_pacers(pace))
        notion = sandbox_notion(notion_url)
        yield MotionStack(
            owner.tenant_id,
            server.sandbox,
            api,
            queue,
            secrets,
            store,
            MotionLinking(tenants, secrets, store, api, queue, now=time_now),
            Mirror(store, api, secrets, queue, notion_for=lambda _t: notion, now=time_now),
            notion,
            admin,
            clock,
            pace,
        )
