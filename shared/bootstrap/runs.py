"""The run store, and the engine bundle's common part (Deps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.base import Built
from shared.bootstrap.code import CodeParts

if TYPE_CHECKING:
    from shared.runs.ports import RunStore
    from shared.runs.services.deps import Deps
    from shared.workspace.ports import TenantStore


class RunsParts(CodeParts):
    """The run store, and the engine bundle's common part (Deps). Built once per instance."""

    store: Built[RunStore] = Built()

    def _deps(self, tenants: TenantStore, **more: Any) -> Deps:
        """An engine bundle of this instance's adapters, its one spend cache, ``tenants`` and ``more``."""
        from shared.runs.services.deps import Deps
        from shared.runs.services.spend_cache import SpendCache

        spend = self._once("spend_cache", SpendCache)
        return Deps(self.store, self.queue, self.secrets, self.settings, spend, tenants=tenants, **more)

    def _build_store(self) -> RunStore:
        from shared.runs.adapters.firestore_store import FirestoreRunStore

        return FirestoreRunStore(self._firestore())
