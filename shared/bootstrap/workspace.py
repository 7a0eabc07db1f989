"""The workspace's adapters: the tenant store (cached per instance, read once per request), OAuth
states, invites, the webhook events' ledger, and erasing a workspace's documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.platform import PlatformParts

if TYPE_CHECKING:
    from shared.workspace.ports import (
        ErasureStore,
        InviteStore,
        OAuthStateStore,
        TenantStore,
        WebhookEventLedger,
    )


class WorkspaceParts(PlatformParts):
    """The workspace's adapters. Built once per instance."""

    tenants: Built[TenantStore] = Built()
    oauth_states: Built[OAuthStateStore] = Built("FirestoreOAuthStates")
    invites: Built[InviteStore] = Built("FirestoreInvites")
    webhook_events: Built[WebhookEventLedger] = Built("FirestoreWebhookEvents")
    erasures: Built[ErasureStore] = Built("FirestoreErasure")

    def request_tenants(self) -> TenantStore:
        """A new tenant store for one request: each tenant read once, however often it is asked for."""
        from shared.workspace.adapters.cached_tenants import ReadOnce

        return ReadOnce(self.tenants)

    def _cached_tenants(self) -> TenantStore:
        """The tenant store an engine bundle reads through (one each, as each is built once)."""
        from shared.workspace.adapters.cached_tenants import CachedTenants

        return CachedTenants(self.tenants)

    def _build_tenants(self) -> TenantStore:
        from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore

        return FirestoreTenantStore(self._firestore(), self.settings.tenant_routing_cache_s)
