"""TenantStores that remember a tenant in front of another: for a while (the engine's, per instance),
or for one request (the api's).

A step then reads the run document and nothing else about the tenant, which keeps a step's Firestore
operations constant; its Notion token is cached by the secret store, and a 401 still refreshes it at
once (``NotionAccess``). An api request reads its tenant once, though both its authentication and the
runs' ownership ask for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:
    from shared.workspace.ports import TenantStore

TENANT_TTL_S = 60.0


class CachedTenants:
    """A TenantStore that remembers ``get`` for a while; ``save`` writes through and forgets."""

    def __init__(self, inner: TenantStore, ttl_s: float = TENANT_TTL_S) -> None:
        self._inner, self._ttl = inner, ttl_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Tenant | None]] = {}

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        with self._lock:
            hit = self._cache.get(tenant_id)
            if hit and hit[0] > time.monotonic() and not fresh:
                return hit[1]
        tenant = self._inner.get(tenant_id)
        with self._lock:
            self._cache[tenant_id] = (time.monotonic() + self._ttl, tenant)
        return tenant

    def remember(self, tenant_id: str, tenant: Tenant | None) -> None:
        return None  # kept between requests: fed by its own reads alone

    def by_workspace(self, workspace_id: str) -> Tenant | None:
        return self._inner.by_workspace(workspace_id)

    def save(self, tenant: Tenant) -> None:
        with self._lock:
            self._cache.pop(tenant.tenant_id, None)
        self._inner.save(tenant)

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        tenant = self._inner.update(tenant_id, change)
        with self._lock:
            self._cache.pop(tenant_id, None)
        return tenant

    def __getattr__(self, name: str) -> Any:  # other TenantStore methods pass through
        return getattr(self._inner, name)


class ReadOnce:
    """A TenantStore for one request: the first ``get`` of a tenant reads it, later ones reuse that
    read, ``fresh`` or not (it was made during this request, past any cache kept between requests).
    A write goes through and forgets the tenant, so a read after it reads again."""

    def __init__(self, inner: TenantStore) -> None:
        self._inner = inner
        self._read: dict[str, Tenant | None] = {}

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        if tenant_id not in self._read:
            self._read[tenant_id] = self._inner.get(tenant_id, fresh=True)
        return self._read[tenant_id]

    def remember(self, tenant_id: str, tenant: Tenant | None) -> None:
        """``tenant`` read fresh during this request beside another document: the next ``get`` of
        it answers this read."""
        self._read[tenant_id] = tenant

    def by_workspace(self, workspace_id: str) -> Tenant | None:
        return self._inner.by_workspace(workspace_id)

    def save(self, tenant: Tenant) -> None:
        self._read.pop(tenant.tenant_id, None)
        self._inner.save(tenant)

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        self._read.pop(tenant_id, None)
        try:
            return self._inner.update(tenant_id, change)
        finally:
            self._read.pop(tenant_id, None)

    def __getattr__(self, name: str) -> Any:  # other TenantStore methods pass through
        return getattr(self._inner, name)
