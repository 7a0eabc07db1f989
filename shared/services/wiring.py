"""The engine's dependencies from an instance's adapters (``bootstrap.container()``), built once.

Per instance, the tenant document is cached for ``tenant_cache_ttl_s`` (its Notion token is cached
by the secret store): a step reads the run document and nothing else about the tenant, which keeps
a step's Firestore operations constant. A 401 still refreshes the token at once (NotionAccess).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.domain.tenants import Tenant
from shared.services.code_access import CodeAccess
from shared.services.deps import Deps, bind_notion

if TYPE_CHECKING:
    from shared.ports import Notion, TenantStore

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


_built: dict[tuple[int, bool | str], tuple[Any, Deps]] = {}
_lock = threading.Lock()


def engine_deps(container: Any, with_model: bool = True) -> Deps:
    """Deps for plan/execute-step/api/sweeper from ``container`` (a bootstrap.Container), once each."""
    with _lock:
        hit = _built.get((id(container), with_model))
        if hit is None or hit[0] is not container:
            hit = (container, _build(container, with_model))
            _built[(id(container), with_model)] = hit
        return hit[1]


def deploy_deps(container: Any) -> Deps:
    """Deps for the deploy function: the engine's, with GitHub and Vercel and without Notion (its steps
    never touch a workspace, so it holds no Notion token)."""
    with _lock:
        hit = _built.get((id(container), "deploy"))
        if hit is None or hit[0] is not container:
            tenants = CachedTenants(container.tenants)
            code = CodeAccess(container.code_host, container.deployer, container.secrets, tenants)
            deps = Deps(
                store=container.store,
                queue=container.queue,
                secrets=container.secrets,
                settings=container.settings,
                model=container.model,
                tenants=tenants,
                code=code,
            )
            hit = (container, deps)
            _built[(id(container), "deploy")] = hit
        return hit[1]


def _build(container: Any, with_model: bool) -> Deps:
    from shared.services.notion_access import NotionAccess

    tenants = CachedTenants(container.tenants)
    access = NotionAccess(tenants, container.secrets, container.notion_oauth, container.queue)

    def notion_for(tenant_id: str) -> Notion:
        session: list[Any] = []  # opened on the first call: a step that does not use Notion reads nothing

        def run(operation: Any) -> Any:
            if not session:
                session.append(access.session(tenant_id))
            return session[0].run(operation)

        return bind_notion(container.notion, run)

    return Deps(
        store=container.store,
        queue=container.queue,
        secrets=container.secrets,
        settings=container.settings,
        model=container.model if with_model else None,
        notion_for=notion_for,
        tenants=tenants,
    )
