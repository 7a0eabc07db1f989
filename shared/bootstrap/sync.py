"""Sync's adapters (Linear's GraphQL API, the sync store) and the bundles its use cases take."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.runs import RunsParts

if TYPE_CHECKING:
    from shared.sync.ports import LinearApi, SyncStore
    from shared.sync.services.connect import Linking
    from shared.sync.services.intake import LinearIntake
    from shared.sync.services.mirror import Mirroring


class SyncParts(RunsParts):
    """Sync's adapters and bundles. Built once per instance."""

    linear: Built[LinearApi] = Built()
    sync_store: Built[SyncStore] = Built()

    def linking(self) -> Linking:
        """What connecting and disconnecting Linear uses."""
        from shared.sync.services.connect import Linking

        base = self.settings.api_url.rstrip("/")
        return Linking(
            self.tenants,
            self.secrets,
            self.sync_store,
            self.linear,
            self.queue,
            webhook_url=lambda tenant_id: f"{base}/sync/linear/webhook/{tenant_id}",
        )

    def linear_intake(self) -> LinearIntake:
        """What Linear's webhook intake uses."""
        from shared.sync.services.intake import LinearIntake

        return LinearIntake(
            self.sync_store, self.secrets, self.webhook_events, self.queue, self.settings.webhook_event_ttl_s
        )

    def mirroring(self) -> Mirroring:
        """What the sync task uses: Notion through the tenant's current token."""
        from shared.notion.services.notion_access import NotionAccess
        from shared.sync.services.mirror import Mirroring

        access = self._once(
            "sync_notion",
            lambda: NotionAccess(self._cached_tenants(), self.secrets, self.notion_oauth, self.queue),
        )
        return Mirroring(
            self.sync_store,
            self.linear,
            self.secrets,
            self.queue,
            notion_for=lambda tenant_id: access.for_tenant(self.notion, tenant_id),
        )

    def _build_linear(self) -> LinearApi:
        from shared.sync.adapters.linear import LinearGraphQL

        return LinearGraphQL(self.settings.linear_api_base_url, self.settings.code_timeout_s)

    def _build_sync_store(self) -> SyncStore:
        from shared.sync.adapters.firestore_sync import FirestoreSync

        return FirestoreSync(self._firestore())
