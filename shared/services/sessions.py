"""Frontend sessions: a signed, expiring token naming one tenant and its session epoch.

A session acts for its tenant only while the tenant is connected and its ``session_epoch`` is the one
the session names: a disconnect, or a connect that starts the connection afresh (a new owner after a
disconnect), sets a new epoch and so ends every session issued before, at once and on every instance.
A session without an epoch (issued before epochs existed) is refused: its holder signs in again.
"""

import hmac

from shared.config import PlatformSecret
from shared.domain import tokens
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, NotFound, Unauthenticated
from shared.ports import SecretStore, TenantStore

SESSION_TTL_S = 7 * 24 * 3600


def start_session(tenant_id: str, secrets: SecretStore, ttl_s: float = SESSION_TTL_S, epoch: str = "") -> str:
    """A session for the tenant; ``epoch`` is the tenant's ``session_epoch`` as stored now."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    return tokens.sign({"purpose": "session", "tenant_id": tenant_id, "epoch": epoch}, key, ttl_s)


def tenant_of(authorization: str, secrets: SecretStore, tenants: TenantStore) -> str:
    """The tenant a request acts for, from ``Authorization: Bearer <session>``: a genuine, unexpired
    session of the tenant's current connection (one read of the tenant), else Unauthenticated.

    A disconnect sets a new epoch, so its sessions stop here (401). A session whose tenant has no
    document acts for nothing there: the services answer 404 (tenants are never deleted, and a tenant
    created again gets a new random epoch, which such a session does not name)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send the session as 'Authorization: Bearer <token>'")
    claims = tokens.verify(token.strip(), secrets.get(PlatformSecret.SESSION_SIGNING_KEY), "session")
    epoch = claims.get("epoch")
    if not isinstance(epoch, str):
        raise Unauthenticated(
            "this session is from an earlier version: connect the workspace to sign in again"
        )
    tenant_id = str(claims["tenant_id"])
    tenant = tenants.get(tenant_id)
    if tenant is not None and not hmac.compare_digest(epoch.encode(), tenant.session_epoch.encode()):
        raise Unauthenticated(
            "this session has ended: the workspace was disconnected, or connected again by someone "
            "else; connect it to sign in again"
        )
    return tenant_id


def connected_tenant(tenant_id: str, tenants: TenantStore) -> Tenant:
    """The session's tenant, whose workspace must still be connected: NotFound if it is gone,
    Conflict if it was disconnected (since ``tenant_of`` read it, say)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    if tenant.status == TenantStatus.REVOKED:
        raise Conflict("this workspace was disconnected: connect it again first")
    return tenant
