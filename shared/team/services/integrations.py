"""Connecting and disconnecting a tenant's integrations (GitHub, Vercel, Slack) by token.

A token is first shown to its service (who is it?): one it refuses is a 400 and nothing is stored.
Then it goes to Secret Manager (``shared.workspace.domain.integrations.token_secret``) and the tenant lists the
integration. Nothing reads a token back here: only ``deploy`` (GitHub, Vercel) and ``notify`` (Slack)
may. A PUT and a DELETE at once share no transaction, so each reads the tenant again after its secret
write and repairs what it sees; both stores end agreeing (docs/api.md, "Integrations").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
    Unauthenticated,
)
from shared.team.services.sessions import require_connected
from shared.workspace.domain.integrations import Integration, discord_webhook, token_secret
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import TenantStore

# Printable, no spaces: every GitHub, Vercel and Slack token form (a pasted line end is refused too).
_TOKEN = re.compile(r"[\x21-\x7e]{8,1000}")
# Each further round of a PUT or DELETE needs another PUT of the same integration to land meanwhile:
# far beyond what an owner's clicks make, so the bound only keeps a request from looping for ever.
_ROUNDS = 8


def integration_of(name: str) -> Integration:
    try:
        return Integration(name)
    except ValueError:
        raise NotFound(f"no integration {name[:40]!r}; use one of {[i.value for i in Integration]}") from None


def list_integrations(tenant_id: str, tenants: TenantStore) -> dict[str, Any]:
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    accounts = tenant.integration_accounts
    return {
        "integrations": {
            i.value: {"connected": i in tenant.integrations}
            | ({"account": accounts[i.value]} if i in tenant.integrations and accounts.get(i.value) else {})
            for i in Integration
        }
    }


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
    earlier one), mark the integration connected and store it again. A passing failure of the check
    (TransientError) goes up as it is: nothing is stored and the caller may try again. A DELETE of the
    integration, or the workspace's disconnect, landing after the mark wins: 409, no token kept."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InvalidInput(f"token: a {integration.label} token is 8 to 1000 printable characters", ["token"])
    if integration is Integration.DISCORD:
        try:
            discord_webhook(token)
        except ValueError as exc:
            raise InvalidInput(f"token: {exc}; nothing was stored", ["token"]) from None
    require_connected(tenant_id, tenants)  # before asking the service: a disconnected one is a 409
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
    # token_secret() at each call: tests/infra/iam/test_code_access reads the grants off the calls.
    secrets.put(token_secret(tenant_id, integration), token)  # failing, it stores and lists nothing
    try:
        tenants.update(tenant_id, functools.partial(_listing, integration, login))
    except Conflict:
        secrets.delete(token_secret(tenant_id, integration))  # the disconnect deleted it, or will
        raise
    for _ in range(_ROUNDS):  # written again once listed, then the listing read: see the module's doc
        secrets.put(token_secret(tenant_id, integration), token)
        if _lists(tenants.get(tenant_id), integration):
            return {"integration": integration.value, "connected": True, "account": login}
        # Unlisted: a DELETE (or the workspace's disconnect) came after the listing, and wins.
        secrets.delete(token_secret(tenant_id, integration))
        if not _lists(tenant := tenants.get(tenant_id), integration):
            raise _disconnected_meanwhile(tenant, integration)
        # Listed again by another PUT, whose token may be the one just deleted: write this one again.
    raise TransientError(f"{integration.label} was connected and disconnected too often at once; try again")


def disconnect_integration(
    tenant_id: str, integration: Integration, tenants: TenantStore, secrets: SecretStore
) -> dict[str, Any]:
    """Forget the token (its secret is deleted) and mark the integration disconnected; repeatable."""
    unlist = functools.partial(_unlisting, integration)
    tenants.update(tenant_id, unlist)
    for _ in range(_ROUNDS):
        secrets.delete(token_secret(tenant_id, integration))
        if not _lists(tenants.get(tenant_id), integration):
            return {"integration": integration.value, "connected": False}
        tenants.update(tenant_id, unlist)  # a PUT listed it meanwhile; its token may be the one deleted
    raise TransientError(f"{integration.label} was connected and disconnected too often at once; try again")


def _listing(integration: Integration, login: str, tenant: Tenant | None) -> Tenant:
    if tenant is None or tenant.status == TenantStatus.REVOKED:  # disconnected during the check
        raise Conflict("this workspace was disconnected meanwhile: connect it again first")
    accounts = {**tenant.integration_accounts, integration.value: login[:200]}
    if integration in tenant.integrations and accounts == tenant.integration_accounts:
        return tenant
    connected = tuple(sorted({*tenant.integrations, integration}))
    update = {"integrations": connected, "integration_accounts": accounts, "updated_at": datetime.now(UTC)}
    return tenant.model_copy(update=update)


def _unlisting(integration: Integration, tenant: Tenant | None) -> Tenant:
    if tenant is None:
        raise NotFound("this workspace is not connected")
    if integration not in tenant.integrations:
        return tenant
    left = tuple(i for i in tenant.integrations if i != integration)
    accounts = {k: v for k, v in tenant.integration_accounts.items() if k != integration.value}
    update = {"integrations": left, "integration_accounts": accounts, "updated_at": datetime.now(UTC)}
    return tenant.model_copy(update=update)


def _lists(tenant: Tenant | None, integration: Integration) -> bool:
    """Whether ``tenant`` (as just read) lists ``integration``; a disconnected workspace lists none."""
    return tenant is not None and integration in tenant.integrations


def _disconnected_meanwhile(tenant: Tenant | None, integration: Integration) -> Conflict:
    if tenant is None or tenant.status == TenantStatus.REVOKED:
        return Conflict("this workspace was disconnected meanwhile: connect it again first")
    return Conflict(
        f"{integration.label} was disconnected meanwhile (DELETE /integrations/{integration.value}); "
        "nothing was stored: send the token again to connect it"
    )
