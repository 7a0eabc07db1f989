"""The team's ports: API keys and the audit log.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from shared.team.domain.api_keys import ApiKey
    from shared.team.domain.audit import AuditEntry
    from shared.workspace.domain.tenants import Tenant


class ApiKeyStore(Protocol):
    """``api_keys/{key_id}``: the workspaces' API keys (the hash of each secret, never the secret).

    Keyed by the key's id alone, so a request's key is found in one read; every other method takes
    the tenant id and reaches that tenant's keys only."""

    def create(self, key: ApiKey) -> None:
        """Store a new key; Conflict if its id is taken already (never overwritten)."""
        ...

    def replace(self, previous: ApiKey, key: ApiKey) -> bool:
        """Overwrite ``previous`` with ``key`` (the same id and tenant; a new secret): the previous
        secret stops working. False, writing nothing, if the stored key is no longer ``previous``
        (replaced or deleted since it was read)."""
        ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def get_with_tenant(self, key_id: str) -> tuple[ApiKey | None, Tenant | None] | None:
        """The key and its tenant's document (None: none), read fresh in one round trip, when this
        store has read the key before and so knows its tenant (a key's tenant never changes). None
        when it cannot: read the key with :meth:`get`, then its tenant."""
        ...

    def list_for(self, tenant_id: str) -> list[ApiKey]:
        """The tenant's keys, newest first."""
        ...

    def delete(self, tenant_id: str, key_id: str) -> bool:
        """Delete the tenant's key; False if it has none of that id (unknown, deleted already, or
        another tenant's, which is left alone)."""
        ...


class AuditLog(Protocol):
    """``tenants/{t}/audit/{entry_id}``: the workspace's audit log, removed by TTL at ``expires_at``."""

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        """Store ``entry`` (its id is new: never overwritten)."""
        ...

    def newest(
        self, tenant_id: str, *, before: datetime | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries of the tenant, newest first, made before ``before`` (None: any time)
        and not before ``since`` (None: any time)."""
        ...
