"""Who a request acts for: a session (a signed, expiring token naming one tenant, its session epoch
and a member, in the console's HttpOnly cookie or ``Authorization: Bearer``) or an API key (``na_...``).

A session or key acts for its tenant only while the tenant is connected and its ``session_epoch`` is
the one it names. A disconnect, or a new owner's connect, sets a new epoch and so ends every earlier
session and key at once, on every instance. A session or key acts as its member, with their role
now (a removed member's act for nobody); signing out (:func:`sign_out`) ends the member's sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.team.domain import api_keys
from shared.workspace.domain.members import Member
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore
    from shared.team.domain.api_keys import ApiKey
    from shared.team.ports import ApiKeyStore
    from shared.workspace.ports import TenantStore

SESSION_TTL_S = 7 * 24 * 3600


def start_session(
    tenant_id: str,
    secrets: SecretStore,
    ttl_s: float = SESSION_TTL_S,
    epoch: str = "",
    member: Member | None = None,
) -> str:
    """A session for the tenant; ``epoch`` is the tenant's ``session_epoch`` as stored now. ``member``:
    whom it acts as (None: the owner), and that member's epoch as stored now."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    claims = {"purpose": "session", "tenant_id": tenant_id, "epoch": epoch, "iat": time.time()}
    if member is not None and member.role != "owner":
        claims |= {"member": member.member_id, "member_epoch": member.epoch}
    return signed_tokens.sign(claims, key, ttl_s)


class Principal(NamedTuple):
    """Who a request acts as: the tenant, and the scopes of the API key it came with (None: a
    session). ``member``: the person (their role as held now; None only for a public route).
    ``csrf_token``: set for a session sent as the cookie, the ``X-CSRF-Token`` its changes carry."""

    tenant_id: str
    scopes: tuple[str, ...] | None = None
    csrf_token: str = ""
    member: Member | None = None
    key_id: str = ""  # the API key it came with

    @property
    def role(self) -> str:
        return self.member.role if self.member is not None else ""


class Session(NamedTuple):
    """A genuine session of its tenant's current connection: what ``GET /session`` tells the console."""

    tenant_id: str
    tenant: Tenant | None  # None: no document (the services answer 404)
    expires_at: datetime
    csrf_token: str
    member: Member | None = None  # whom it acts as (None: no tenant document)


def principal_of(
    authorization: str,
    secrets: SecretStore,
    tenants: TenantStore,
    keys: ApiKeyStore | None = None,
    *,
    session_only: bool = False,
    cookie: str = "",
) -> Principal:
    """Who a request acts as, from ``Authorization: Bearer <session>``, else from the session cookie's
    value ``cookie``: a session of :func:`session_of` (one read of the tenant). Or ``Bearer na_...``:
    an API key of ``keys`` (none given: refused) made during the tenant's current connection, with its
    scopes, else Unauthenticated; a genuine key where ``session_only`` is Forbidden. The key and its
    tenant are read fresh, in one round trip once the instance has read the key (decision 0235)."""
    if not authorization and cookie:
        session = session_of(cookie, secrets, tenants)
        return Principal(session.tenant_id, None, session.csrf_token, session.member)
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(
            "sign in with Notion (the console's session cookie), or send an API key as "
            "'Authorization: Bearer <key>'"
        )
    if api_keys.is_api_key(token):
        key, member = _key_of(token, keys, tenants)
        if session_only:
            raise Forbidden("an API key cannot do this: it needs a session (sign in with Notion)")
        return Principal(key.tenant_id, key.granted, member=member, key_id=key.key_id)
    session = session_of(token, secrets, tenants)
    return Principal(session.tenant_id, member=session.member)


def session_of(token: str, secrets: SecretStore, tenants: TenantStore) -> Session:
    """A genuine, unexpired session of the tenant's current connection (one read of the tenant), else
    Unauthenticated. A disconnect sets a new epoch, so its sessions stop here (401). A session whose
    tenant has no document acts for nothing (tenants are never deleted, and a tenant created again
    gets a new random epoch, which such a session does not name). A session issued before the
    owner's latest sign-out has ended too (401)."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    claims = signed_tokens.verify(token, key, "session")
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
    member = _member_of(claims, tenant)
    issued_at = claims.get("iat", 0)
    issued = issued_at if isinstance(issued_at, int | float) else 0
    if member is not None and member.signed_out_at is not None and issued <= member.signed_out_at.timestamp():
        raise Unauthenticated("this session was signed out: sign in with Notion again")
    expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    kid = str(claims.get("kid", signed_tokens.LEGACY_KID))  # a version ``key`` holds: verify checked it
    csrf = _csrf_token(token, signed_tokens.ring(key)[1][kid])
    return Session(tenant_id, tenant, expires_at, csrf, member)


def _member_of(claims: dict[str, object], tenant: Tenant | None) -> Member | None:
    """The member a session acts as: the one it names while they are of the team with the epoch it
    names; a session naming none is the owner's (only owners signed in before teams). Unauthenticated
    for a removed member's (or a member's added again since)."""
    if tenant is None:
        return None
    named = claims.get("member")
    if named is None:
        return tenant.owner_member()
    member = tenant.member(str(named))
    epoch = str(claims.get("member_epoch", ""))
    if (
        member is None
        or member.role == "owner"
        or not hmac.compare_digest(epoch.encode(), member.epoch.encode())
    ):
        raise Unauthenticated("this session's person is no longer a member of this workspace's team")
    return member


def sign_out(tenant_id: str, tenants: TenantStore, now: datetime, member_id: str = "") -> None:
    """End every session of the member (``member_id``; "": the owner) issued up to ``now``, on every
    instance (``signed_out_at``, the owner's on the tenant): the session signing out, and any copy of
    it, answers 401 from then on. Other members' sessions, API keys and mailed links stay. A tenant
    without a document has nothing to end."""

    def signed_out(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if any(m.member_id == member_id for m in tenant.members):  # a member besides the owner
            signed = tuple(
                m.model_copy(update={"signed_out_at": now}) if m.member_id == member_id else m
                for m in tenant.members
            )
            return tenant.model_copy(update={"members": signed, "updated_at": now})
        if tenant.signed_out_at is not None and tenant.signed_out_at >= now:
            return tenant
        return tenant.model_copy(update={"signed_out_at": now, "updated_at": now})

    try:
        tenants.update(tenant_id, signed_out)
    except NotFound:
        return


def _csrf_token(session: str, secret: str) -> str:
    """The session's CSRF token: an HMAC of it under the key version that signed it (``secret``), so a
    rotation that keeps the session keeps its token. A cross-site page can neither read nor make it."""
    return hmac.new(secret.encode(), b"csrf:" + session.encode(), hashlib.sha256).hexdigest()


def check_csrf_token(principal: Principal, sent: str) -> None:
    """Forbidden unless ``sent`` (the ``X-CSRF-Token`` header) is the cookie session's CSRF token."""
    if not sent:
        raise Forbidden(
            "cross-site request refused: a change made with the session cookie needs the "
            "X-CSRF-Token header (GET /session gives it)"
        )
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), principal.csrf_token.encode()):
        raise Forbidden(
            "cross-site request refused: the X-CSRF-Token is not this session's (GET /session gives it)"
        )


def _key_of(token: str, keys: ApiKeyStore | None, tenants: TenantStore) -> tuple[ApiKey, Member]:
    """A genuine API key of its tenant's current connection, and the member it belongs to, with the
    role they hold now (a key never does more). No reason repeats the key."""
    parsed = api_keys.parse(token)
    if parsed is None:
        raise Unauthenticated("the API key is malformed: send it whole, as POST /api-keys showed it")
    if keys is None:
        raise Unauthenticated("API keys are not accepted here: send a session")
    key_id, secret = parsed
    together = keys.get_with_tenant(key_id)  # one round trip for a key the instance has read before
    key = together[0] if together is not None else keys.get(key_id)
    if key is None or not api_keys.proves(key, secret):
        raise Unauthenticated("the API key is not valid: it is unknown, deleted or mistyped")
    if together is not None:
        tenants.remember(key.tenant_id, together[1])
    tenant = tenants.get(key.tenant_id)
    if tenant is None or not tenant.in_epoch(key.epoch):
        raise Unauthenticated(
            "this API key has ended: the workspace was disconnected; connect it again and make a new key"
        )
    member = tenant.member(key.member_id) if key.member_id else tenant.owner_member()
    if member is None:
        raise Unauthenticated("this API key has ended: its person is no longer a member of the team")
    return key, member


def require_connected(tenant_id: str, tenants: TenantStore) -> Tenant:
    """The session's tenant, whose workspace must still be connected: NotFound if it is gone,
    Conflict if it was disconnected (since ``principal_of`` read it, say)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    if tenant.status == TenantStatus.REVOKED:
        raise Conflict("this workspace was disconnected: connect it again first")
    return tenant
