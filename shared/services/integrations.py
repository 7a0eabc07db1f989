"""Connecting and disconnecting a tenant's integrations (GitHub, Vercel, Slack) by token.

A token is first shown to its service (who is it?): one it refuses is a 400 and nothing is stored.
Then it goes to Secret Manager (``shared.domain.integrations.token_secret``) and the tenant document
lists the integration as connected. Nothing reads a token back here: only ``deploy`` reads GitHub and
Vercel tokens, when a run opens a pull request or a deployment (shared.services.code_access), and only
``notify`` reads the Slack one (shared.adapters.live_notifier).
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.domain.integrations import Integration, token_secret
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, InvalidInput, NotFound, PermanentError, Unauthenticated
from shared.ports import SecretStore, TenantStore
from shared.services.sessions import connected_tenant

# Printable, no spaces: every GitHub, Vercel and Slack token form (a pasted line end is refused too).
_TOKEN = re.compile(r"[\x21-\x7e]{8,1000}")


def integration_of(name: str) -> Integration:
    try:
        return Integration(name)
    except ValueError:
        raise NotFound(f"no integration {name[:40]!r}; use one of {[i.value for i in Integration]}") from None


def list_integrations(tenant_id: str, tenants: TenantStore) -> dict[str, Any]:
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return {"integrations": {i.value: {"connected": i in tenant.integrations} for i in Integration}}


def connect_integration(
    tenant_id: str,
    integration: Integration,
    token: Any,
    tenants: TenantStore,
    secrets: SecretStore,
    *,
    account: Callable[[str], str],
) -> dict[str, Any]:
    """Check ``token`` with ``account`` (the integration's "who am I"), then store it (replacing an
    earlier one) and mark the integration connected. A passing failure of the check (TransientError)
    goes up as it is: nothing is stored and the caller may try again."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InvalidInput(f"token: a {integration.label} token is 8 to 1000 printable characters", ["token"])
    connected_tenant(tenant_id, tenants)  # before asking the service: a disconnected one is a 409
    try:
        login = account(token)
    except Unauthenticated:
        raise InvalidInput(
            f"token: {integration.label} refused this token (revoked, expired or mistyped?); nothing was stored",
            ["token"],
        ) from None
    except (PermanentError, NotFound) as exc:  # e.g. a Slack app-level token, a GitHub App's token
        raise InvalidInput(
            f"token: {integration.label} cannot be used with this token ({exc.reason[:240]}); "
            "nothing was stored",
            ["token"],
        ) from None
    secrets.put(token_secret(tenant_id, integration), token)

    def connect(tenant: Tenant | None) -> Tenant:
        if tenant is None or tenant.status == TenantStatus.REVOKED:  # disconnected during the check
            raise Conflict("this workspace was disconnected meanwhile: connect it again first")
        if integration in tenant.integrations:
            return tenant
        connected = tuple(sorted({*tenant.integrations, integration}))
        return tenant.model_copy(update={"integrations": connected, "updated_at": datetime.now(UTC)})

    try:
        tenants.update(tenant_id, connect)
    except Conflict:
        secrets.delete(token_secret(tenant_id, integration))  # the disconnect deleted it, or will
        raise
    return {"integration": integration.value, "connected": True, "account": login}


def disconnect_integration(
    tenant_id: str, integration: Integration, tenants: TenantStore, secrets: SecretStore
) -> dict[str, Any]:
    """Forget the token (its secret is deleted) and mark the integration disconnected; repeatable."""

    def disconnect(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if integration not in tenant.integrations:
            return tenant
        left = tuple(i for i in tenant.integrations if i != integration)
        return tenant.model_copy(update={"integrations": left, "updated_at": datetime.now(UTC)})

    tenants.update(tenant_id, disconnect)
    secrets.delete(token_secret(tenant_id, integration))
    return {"integration": integration.value, "connected": False}
