"""Who a request acts for: a frontend session (a signed, expiring token naming one tenant and its
session epoch) or an API key (``na_...``, shared.domain.api_keys).

A session or key acts for its tenant only while the tenant is connected and its ``session_epoch`` is
the one it names. A disconnect, or a new owner's connect, sets a new epoch and so ends every earlier
session and key at once, on every instance. A session without an epoch is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from shared.config import PlatformSecret
from shared.domain import api_keys, signed_tokens
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import Conflict, Forbidden, NotFound, Unauthenticated

if TYPE_CHECKING:
    from shared.domain.api_keys import ApiKey
    from shared.ports import ApiKeyStore, SecretStore, TenantStore

SESSION_TTL_S = 7 * 24 * 3600


def start_session(tenant_id: str, secrets: SecretStore, ttl_s: float = SESSION_TTL_S, epoch: str = "") -> str:
    """A session for the tenant; ``epoch`` is the tenant's ``session_epoch`` as stored now."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    return signed_tokens.sign({"purpose": "session", "tenant_id": tenant_id, "epoch": epoch}, key, ttl_s)


class Principal(NamedTuple):
    """Who a request acts as: the tenant, and the scopes of the API key it came with (None: a
    session, which may do all an owner may)."""

    tenant_id: str
    scopes: tuple[str, ...] | None = None


def principal_of(
    authorization: str,
    secrets: SecretStore,
    tenants: TenantStore,
    keys: ApiKeyStore | None = None,
    *,
    session_only: bool = False,
) -> Principal:
    """Who a request acts as, from ``Authorization: Bearer <session>``: a genuine, unexpired session
    of the tenant's current connection (one read of the tenant), else Unauthenticated. Or ``Bearer
    na_...``: an API key of ``keys`` (none given: refused) made during the tenant's current
    connection (one read of the key, one of the tenant), with its scopes, else Unauthenticated; a
    genuine key where ``session_only`` is Forbidden. A disconnect sets a new epoch, so its sessions
    and keys stop here (401). A session whose tenant has no document acts for nothing there: the
    services answer 404 (tenants are never deleted, and a tenant created again gets a new random
    epoch, which such a session does not name)."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send the session or API key as 'Authorization: Bearer <token>'")
    if api_keys.is_api_key(token):
        key = _key_of(token, keys, tenants)
        if session_only:
            raise Forbidden("an API key cannot do this: it needs a session (sign in with Notion)")
        return Principal(key.tenant_id, key.granted)
    claims = signed_tokens.verify(token, secrets.get(PlatformSecret.SESSION_SIGNING_KEY), "session")
    epoch = claims.get("epoch")
    if not isinstance(epoch, str):
        raise Unauthenticated(
            "this session is from an earlier version: connect the workspace to sign in again"
        )
    tenant_id = str(claims["tenant_id"])
    tenant = tenants.get(tenant_id)
    if tenant is not None and not tenant.in_epoch(epoch):
        raise Unauthenticated(
            "this session has ended: the workspace was disconnected, or connected again by someone "
            "else; connect it to sign in again"
        )
    return Principal(tenant_id)


def tenant_of(
    authorization: str,
    secrets: SecretStore,
    tenants: TenantStore,
    keys: ApiKeyStore | None = None,
    *,
    session_only: bool = False,
) -> str:
    """The tenant a request acts for (:func:`principal_of`)."""
    return principal_of(authorization, secrets, tenants, keys, session_only=session_only).tenant_id


def _key_of(token: str, keys: ApiKeyStore | None, tenants: TenantStore) -> ApiKey:
    """A genuine API key of its tenant's current connection. No reason repeats the key."""
    parsed = api_keys.parse(token)
    if parsed is None:
        raise Unauthenticated("the API key is malformed: send it whole, as POST /api-keys showed it")
    if keys is None:
        raise Unauthenticated("API keys are not accepted here: send a session")
    key_id, secret = parsed
    key = keys.get(key_id)
    if key is None or not api_keys.proves(key, secret):
        raise Unauthenticated("the API key is not valid: it is unknown, deleted or mistyped")
    tenant = tenants.get(key.tenant_id)
    if tenant is None or not tenant.in_epoch(key.epoch):
        raise Unauthenticated(
            "this API key has ended: the workspace was disconnected; connect it again and make a new key"
        )
    return key


def require_connected(tenant_id: str, tenants: TenantStore) -> Tenant:
    """The session's tenant, whose workspace must still be connected: NotFound if it is gone,
    Conflict if it was disconnected (since ``tenant_of`` read it, say)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    if tenant.status == TenantStatus.REVOKED:
        raise Conflict("this workspace was disconnected: connect it again first")
    return tenant
