"""The owner's settings of a tenant: read them, change some of them (a JSON merge of known fields).

A ``notification_email`` that is neither the owner's Notion email nor the confirmed address gets mail
only once its recipient confirms it: the change asks it by email (``shared.services.email_confirmation``),
and the reply says whether it is confirmed (``notification_email_confirmed``: null without one)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.domain.settings import TenantSettings
from shared.domain.settings_input import SettingsInput
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, InvalidInput, NotFound
from shared.services import email_confirmation

if TYPE_CHECKING:
    from shared.ports import TaskQueue, TenantStore


def _shown(tenant: Tenant) -> dict[str, Any]:
    return {
        "status": tenant.status.value,
        "settings": tenant.settings.model_dump(mode="json"),
        "notification_email_confirmed": tenant.email_confirmed(),
    }


def read_settings(tenant_id: str, tenants: TenantStore) -> dict[str, Any]:
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return _shown(tenant)


def change_settings(
    tenant_id: str,
    changes: dict[str, Any],
    tenants: TenantStore,
    mailing: TaskQueue | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply ``changes`` to the named fields only; an unknown field or a bad value changes nothing.
    Only the changes are checked, strictly (SettingsInput), so a value stored before a check existed
    does not block changing another setting. A ``notification_email`` that needs confirming counts
    against the workspace's own bound (as read, then again in the write) and the address's bound of
    workspaces a day (``email_confirmation.reserve_recipient``). Beyond either: 429, nothing changed,
    no place among the address's asks taken. Once stored, its confirmation mail is enqueued on
    ``mailing``, the notify queue, by name: the same address that day, or a retried enqueue, adds
    nothing. Without ``mailing`` nothing is asked, and the address stays unconfirmed, so gets no mail."""
    if not changes:
        raise InvalidInput("send at least one setting to change")
    unknown = sorted(set(changes) - set(TenantSettings.model_fields))
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(unknown)}", unknown)
    checked = SettingsInput.model_validate(changes).model_dump(include=set(changes))
    now = now or datetime.now(UTC)
    asks = mailing is not None and "notification_email" in checked

    def changed(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if tenant.status == TenantStatus.REVOKED:
            raise Conflict("this workspace was disconnected: connect it again to change its settings")
        settings = TenantSettings.model_validate(tenant.settings.model_dump() | checked)
        return tenant.model_copy(update={"settings": settings, "updated_at": now})

    def change(tenant: Tenant | None) -> Tenant:
        return email_confirmation.admit(changed(tenant), now) if asks else changed(tenant)

    if asks:  # both bounds, the workspace's on what was just read first, before anything is stored:
        # a change the workspace's bound refuses must not take a place among the address's asks
        email_confirmation.reserve_recipient(change(tenants.get(tenant_id)), tenants, now)
    tenant = tenants.update(tenant_id, change)
    if asks and mailing is not None:
        email_confirmation.ask(tenant, mailing, now)
    return _shown(tenant)
