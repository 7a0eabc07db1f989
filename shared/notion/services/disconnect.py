"""Disconnecting a workspace: the tenant revoked, its tokens revoked and destroyed, its held runs
cancelled, what the index kept of it deleted, and its sessions ended, in that order (a disconnect
that fails half-way is finished by the next)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from shared.notion.services.connect import Connecting
from shared.notion.services.notion_access import oauth_client
from shared.platform.errors import NotFound, PermanentError, Unauthenticated
from shared.workspace.domain import integrations
from shared.workspace.domain.connecting.connection import NotionTokens, new_session_epoch
from shared.workspace.domain.tenants import DISCONNECTED, Tenant, TenantStatus

log = logging.getLogger(__name__)


def disconnect(tenant_id: str, deps: Connecting, stop_held: Callable[[str, str], int]) -> dict[str, object]:
    """Revoke the tenant first (its webhooks are dropped and its running runs stop at their next step).
    Then revoke its token at Notion and delete its secret, cancel the held runs, and last end its
    sessions with a new session epoch. Repeated with the same session, it finishes what a failed
    attempt left. ``stop_held(tenant_id, reason)`` cancels the runs that wait for a person or are paused
    and says how many (``shared.engine.services.humans.cancel_held``): the sessions and links that could decide
    them end here.
    """

    def revoke(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("no workspace is connected for this session")
        if tenant.status == TenantStatus.REVOKED and not tenant.integrations:
            return tenant
        revoked = {"status": TenantStatus.REVOKED, "integrations": (), "updated_at": datetime.now(UTC)}
        return tenant.model_copy(update=revoked)

    def end_sessions(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("no workspace is connected for this session")
        if tenant.status != TenantStatus.REVOKED:  # connected again meanwhile, with a fresh epoch
            return tenant
        return tenant.model_copy(
            update={"session_epoch": new_session_epoch(), "updated_at": datetime.now(UTC)}
        )

    # Revoked first (nothing runs for it any more), the tokens next, the sessions last: a disconnect
    # that fails half-way (Notion unreachable for the revoke) can be retried with the same session.
    tenant = deps.tenants.update(tenant_id, revoke)
    for integration in integrations.Integration:  # GitHub, Vercel and Slack tokens go with the workspace
        deps.secrets.delete(integrations.token_secret(tenant_id, integration))
    try:
        tokens: NotionTokens | None = NotionTokens.load(deps.secrets.get(tenant.token_secret, fresh=True))
    except NotFound:
        tokens = None  # a previous attempt got this far
    if tokens is not None:
        client_id, client_secret = oauth_client(deps.secrets)
        try:
            deps.oauth.revoke(client_id, client_secret, tokens.access_token)
        except (PermanentError, Unauthenticated) as exc:  # already invalid at Notion: nothing to revoke
            log.info(
                "disconnect: Notion did not accept the revoke (%s); the secret is destroyed anyway",
                exc.reason,
            )
        deps.secrets.delete(tenant.token_secret)
    cancelled = stop_held(tenant_id, DISCONNECTED)
    if deps.forget_index is not None:  # what the index kept of the workspace goes with it
        log.info("disconnect: %d documents of the workspace index deleted", deps.forget_index(tenant_id))
    deps.tenants.update(tenant_id, end_sessions)  # every session of the workspace ends here
    log.info("disconnect: workspace %s revoked, %d held runs cancelled", tenant.workspace_id, cancelled)
    return {"revoked": True, "tenant_id": tenant_id, "runs_cancelled": cancelled}
