"""The run store, and the engine bundle's common part (Deps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.base import Built
from shared.bootstrap.code import CodeParts

if TYPE_CHECKING:
    from shared.engine.services.check_wakeups import CheckWakeups
    from shared.runs.ports import RunStore
    from shared.runs.services.deps import Deps
    from shared.workspace.ports import TenantStore


class RunsParts(CodeParts):
    """The run store, and the engine bundle's common part (Deps). Built once per instance."""

    store: Built[RunStore] = Built("FirestoreRunStore")

    def _deps(self, tenants: TenantStore, **more: Any) -> Deps:
        """An engine bundle of this instance's adapters, its one spend cache, ``tenants`` and ``more``."""
        from shared.runs.services.deps import Deps
        from shared.runs.services.spend_cache import SpendCache

        spend = self._once("spend_cache", SpendCache)
        more.setdefault("skipped_edits", lambda: self.webhook_events)
        return Deps(self.store, self.queue, self.secrets, self.settings, spend, tenants=tenants, **more)

    def check_wakeups(self) -> CheckWakeups:
        """What GitHub's webhook route uses: each workspace's secret derived from the session signing
        key's current version (decision 0096), the deliveries seen, the run store and the queue."""
        from shared.engine.services.check_wakeups import CheckWakeups
        from shared.platform.config import PlatformSecret
        from shared.platform.domain.signed_tokens import ring

        current, keys = ring(self.secrets.get(PlatformSecret.SESSION_SIGNING_KEY))
        return CheckWakeups(self.store, self.webhook_events, self.queue, keys[current])
