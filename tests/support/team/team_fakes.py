"""The team's ports faked for unit tests: API keys and the audit log."""

from dataclasses import dataclass, field
from datetime import datetime

from shared.team.domain.api_keys import ApiKey
from shared.team.domain.audit import AuditEntry
from shared.team.ports import ApiKeyStore, AuditLog
from shared.workspace.domain.tenants import Tenant


@dataclass
class FakeApiKeys(ApiKeyStore):
    """``api_keys/{key_id}`` in memory; ``reads`` counts ``get`` (one Firestore read each)."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    reads: int = 0

    def create(self, key: ApiKey) -> None:
        assert key.key_id not in self.keys
        self.keys[key.key_id] = key

    def replace(self, previous: ApiKey, key: ApiKey) -> bool:
        assert (key.key_id, key.tenant_id) == (previous.key_id, previous.tenant_id)
        if self.keys.get(key.key_id) != previous:
            return False
        self.keys[key.key_id] = key
        return True

    def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def get_with_tenant(self, key_id: str) -> tuple[ApiKey | None, Tenant | None] | None:
        return None  # no tenants here: the key is read with get, then its tenant from the tenant store

    def list_for(self, tenant_id: str) -> list[ApiKey]:
        mine = [k for k in self.keys.values() if k.tenant_id == tenant_id]
        return sorted(mine, key=lambda k: (k.created_at, k.key_id), reverse=True)

    def delete(self, tenant_id: str, key_id: str) -> bool:
        key = self.keys.get(key_id)
        if key is None or key.tenant_id != tenant_id:
            return False
        del self.keys[key_id]
        return True


@dataclass
class FakeAudit(AuditLog):
    """``tenants/{t}/audit`` in memory, by tenant."""

    entries: dict[str, list[AuditEntry]] = field(default_factory=dict)

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        self.entries.setdefault(tenant_id, []).append(entry)

    def newest(
        self, tenant_id: str, *, before: datetime | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        mine = sorted(self.entries.get(tenant_id, []), key=lambda e: e.at, reverse=True)
        kept = [e for e in mine if (before is None or e.at < before) and (since is None or e.at >= since)]
        return kept[:limit]
