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
        """What GitHub's webhook route uses: the run store, the deliveries seen, the queue and the
        secrets holding each workspace's webhook secret (decision 0139)."""
        from shared.engine.services.check_wakeups import CheckWakeups

        return CheckWakeups(self.store, self.webhook_events, self.queue, self.secrets)
