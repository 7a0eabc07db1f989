"""Frontend sessions: a signed, expiring token naming one tenant."""

from shared.config import PlatformSecret
from shared.domain import tokens
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, NotFound, Unauthenticated
from shared.ports import SecretStore, TenantStore

SESSION_TTL_S = 7 * 24 * 3600


def start_session(tenant_id: str, secrets: SecretStore, ttl_s: float = SESSION_TTL_S) -> str:
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    return tokens.sign({"purpose": "session", "tenant_id": tenant_id}, key, ttl_s)


def tenant_of(authorization: str, secrets: SecretStore) -> str:
    """The tenant a request acts for, from ``Authorization: Bearer <session>``."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send the session as 'Authorization: Bearer <token>'")
    claims = tokens.verify(token.strip(), secrets.get(PlatformSecret.SESSION_SIGNING_KEY), "session")
    return str(claims["tenant_id"])


def connected_tenant(tenant_id: str, tenants: TenantStore) -> Tenant:
    """The session's tenant, whose workspace must still be connected: NotFound if it is gone,
    Conflict if its owner disconnected it (a session outlives both)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    if tenant.status == TenantStatus.REVOKED:
        raise Conflict("this workspace was disconnected: connect it again first")
    return tenant
