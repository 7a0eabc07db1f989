"""The runs' part of the composition root: the run store, and the engine bundle's common part (Deps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.runs.ports import RunStore
    from shared.runs.services.deps import Deps
    from shared.workspace.ports import TenantStore


class Runs:
    """The run store, and the engine bundle's common part."""

    store: Built[RunStore] = Built.firestore("shared.runs.adapters.firestore_store", "FirestoreRunStore")

    def __init__(self, instance: Instance, platform: Platform, workspace: Workspace) -> None:
        self.instance, self.platform, self.workspace = instance, platform, workspace

    def deps(self, tenants: TenantStore, **more: Any) -> Deps:
        """An engine bundle of this instance's adapters, its one spend cache, ``tenants`` and ``more``."""
        from shared.runs.services.deps import Deps
        from shared.runs.services.spend_cache import SpendCache

        spend = self.instance.once("spend_cache", SpendCache)
        more.setdefault("skipped_edits", lambda: self.workspace.webhook_events)
        p = self.platform
        return Deps(self.store, p.queue, p.secrets, self.instance.settings, spend, tenants=tenants, **more)
