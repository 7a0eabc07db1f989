"""The owner's settings of a tenant: read them, change some of them (a JSON merge of known fields)."""

from datetime import UTC, datetime
from typing import Any

from shared.domain.settings import SettingsInput, TenantSettings
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, InvalidInput, NotFound
from shared.ports import TenantStore


def read_settings(tenant_id: str, tenants: TenantStore) -> dict[str, Any]:
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return {"status": tenant.status.value, "settings": tenant.settings.model_dump(mode="json")}


def change_settings(tenant_id: str, changes: dict[str, Any], tenants: TenantStore) -> dict[str, Any]:
    """Apply ``changes`` to the named fields only; an unknown field or a bad value changes nothing.

    The changes alone are checked, strictly (SettingsInput); the stored values they join are not checked
    again, so a value stored before a check existed does not block changing another setting."""
    if not changes:
        raise InvalidInput("send at least one setting to change")
    unknown = sorted(set(changes) - set(TenantSettings.model_fields))
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(unknown)}", unknown)
    checked = SettingsInput.model_validate(changes).model_dump(include=set(changes))

    def change(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if tenant.status == TenantStatus.REVOKED:
            raise Conflict("this workspace was disconnected: connect it again to change its settings")
        settings = TenantSettings.model_validate(tenant.settings.model_dump() | checked)
        return tenant.model_copy(update={"settings": settings, "updated_at": datetime.now(UTC)})

    tenant = tenants.update(tenant_id, change)
    return {"status": tenant.status.value, "settings": tenant.settings.model_dump(mode="json")}
