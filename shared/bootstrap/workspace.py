"""The workspace's part of the composition root: the tenant store (cached per instance, read once per
request), OAuth states, invites, the webhook events' ledger, and erasing a workspace's documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import FIRESTORE, Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.workspace.ports import (
        ErasureStore,
        InviteStore,
        OAuthStateStore,
        TenantStore,
        WebhookEventLedger,
    )

_TENANTS = "shared.workspace.adapters.firestore_tenants"


def _tenants(part: Workspace) -> TenantStore:
    from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore

    return FirestoreTenantStore(part.instance.firestore(), part.instance.settings.tenant_routing_cache_s)


class Workspace:
    """The workspace's ports, and the tenant store's caches."""

    tenants: Built[TenantStore] = Built(_TENANTS, FIRESTORE, _tenants)
    oauth_states: Built[OAuthStateStore] = Built.firestore(_TENANTS, "FirestoreOAuthStates")
    invites: Built[InviteStore] = Built.firestore(_TENANTS, "FirestoreInvites")
    webhook_events: Built[WebhookEventLedger] = Built.firestore(_TENANTS, "FirestoreWebhookEvents")
    erasures: Built[ErasureStore] = Built.firestore(
        "shared.workspace.adapters.firestore_erasure", "FirestoreErasure"
    )

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def request_tenants(self) -> TenantStore:
        """A new tenant store for one request: each tenant read once, however often it is asked for."""
        from shared.workspace.adapters.cached_tenants import ReadOnce

        return ReadOnce(self.tenants)

    def cached_tenants(self) -> TenantStore:
        """A tenant store read through the instance's cache (each engine bundle holds one)."""
        from shared.workspace.adapters.cached_tenants import CachedTenants

        return CachedTenants(self.tenants)
