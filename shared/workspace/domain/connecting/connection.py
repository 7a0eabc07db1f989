"""Connecting a workspace: tenant identity, token secret, OAuth state and the frontend redirect. Pure."""

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlencode

from pydantic import ConfigDict

from shared.platform.domain import signed_tokens
from shared.platform.domain.schema import Record
from shared.platform.errors import InvalidInput, Unauthenticated
from shared.workspace.domain.members import Approvers
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus, same_address

STATE_PURPOSE = "oauth_state"
STATE_TTL_S = 600.0
NONCE_COOKIE = "na_connect_nonce"


class SessionCookie(NamedTuple):
    """The session cookie's name and Secure flag; it is also HttpOnly, SameSite=Lax and Path=/."""

    name: str
    secure: bool


def session_cookie(frontend_url: str) -> SessionCookie:
    """``__Host-na_session``, Secure, for an https frontend (production); ``na_session`` for a plain
    http one (the local stack on 127.0.0.1, where a browser would not store a Secure cookie)."""
    if frontend_url.lower().startswith("https://"):
        return SessionCookie("__Host-na_session", True)
    return SessionCookie("na_session", False)


def token_secret_name(tenant_id: str, connection: str) -> str:
    """The secret holding one connection's tokens. Each connect names a new one (``connection`` is
    :func:`new_connection_id`) and the tenant points at it, so a connect never overwrites the token of
    a connection that may still win, and a disconnect or a refused connect deletes only its own."""
    return f"notion-token-{tenant_id}-{connection}"


def new_connection_id() -> str:
    return secrets.token_hex(8)


class NotionTokens(Record):
    """What the tenant's token secret holds (as JSON); nothing of it ever goes to Firestore."""

    model_config = ConfigDict(extra="ignore")

    access_token: str
    refresh_token: str | None = None

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, value: str) -> "NotionTokens":
        return cls.model_validate(json.loads(value))


def new_state(key: str, now: float, invite: str = "") -> tuple[str, str]:
    """A fresh nonce (for the browser's cookie) and the signed state that names it, and the invite
    the connect brings (its key, :func:`shared.workspace.domain.connecting.signup.invite_key`: never the code), if any."""
    nonce = secrets.token_urlsafe(32)
    claims = {"purpose": STATE_PURPOSE, "nonce": nonce} | ({"invite": invite} if invite else {})
    return nonce, signed_tokens.sign(claims, key, STATE_TTL_S, now=now)


def nonce_key(nonce: str) -> str:
    """The id of ``oauth_states/{id}``: a hash, so Firestore never holds the cookie's value."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def checked_nonce(state: str, cookie_nonce: str, key: str, now: float) -> str:
    """The nonce of a genuine, unexpired state issued to this browser; InvalidInput (400) otherwise."""
    return checked_state(state, cookie_nonce, key, now)[0]


def checked_state(state: str, cookie_nonce: str, key: str, now: float) -> tuple[str, str]:
    """The nonce and the invite key ("" for none) of a genuine, unexpired state issued to this
    browser; InvalidInput (400) otherwise."""
    if not state or not cookie_nonce:
        raise InvalidInput("the connect request is missing its state or cookie: start again")
    try:
        claims = signed_tokens.verify(state, key, STATE_PURPOSE, now=now)
    except Unauthenticated as exc:
        raise InvalidInput(f"the connect state is not valid ({exc.reason}): start again") from exc
    nonce = str(claims.get("nonce", ""))
    if not hmac.compare_digest(nonce.encode(), cookie_nonce.encode("utf-8", "replace")):
        raise InvalidInput("the connect state was issued to another browser: start again")
    return nonce, str(claims.get("invite", ""))


def frontend_redirect(frontend_url: str, outcome: dict[str, str]) -> str:
    """The frontend URL with the outcome in the fragment (never sent to a server, nor logged)."""
    return f"{frontend_url.split('#', 1)[0]}#{urlencode(outcome)}"


def new_session_epoch() -> str:
    """A fresh ``Tenant.session_epoch``: random, so no session of an earlier connection can match it."""
    return secrets.token_urlsafe(16)


def _owner(owner: Any) -> tuple[str, str]:
    """The owner's user id and email from Notion's ``owner`` ({"type": "user", "user": {...}})."""
    user = owner.get("user") if isinstance(owner, dict) else None
    if not isinstance(user, dict):
        return "", ""
    person = user.get("person")
    email = person.get("email") if isinstance(person, dict) else None
    return str(user.get("id") or ""), str(email or "")


def new_tenant_settings(run_usd: float, day_usd: float, month_usd: float) -> TenantSettings:
    """The settings a new workspace starts with: the defaults, with the operator's budgets."""
    return TenantSettings(
        max_cost_per_run_usd=run_usd, max_cost_per_day_usd=day_usd, max_cost_per_month_usd=month_usd
    )


def owner_identity(owner: Any) -> tuple[str, str]:
    """The Notion user id and email of the person of a grant's ``owner`` ("" for what Notion omits)."""
    return _owner(owner)


def owner_name(owner: Any) -> str:
    """The name Notion gives for the person of a grant's ``owner`` ("" when it gives none), at most 200
    characters: kept so a person is found and named by it (names were stored empty)."""
    user = owner.get("user") if isinstance(owner, dict) else None
    name = user.get("name") if isinstance(user, dict) else None
    return " ".join(str(name).split())[:200] if isinstance(name, str) else ""


def owner_email(owner: Any) -> str:
    """The email Notion gives for the person of a grant's ``owner`` ("" when it gives none)."""
    return _owner(owner)[1]


def may_connect(existing: Tenant | None, owner: Any) -> bool:
    """Whether the Notion user of a grant (its ``owner``) may connect the workspace of ``existing``.

    Anyone may connect a workspace that is new or was disconnected (revoked); otherwise only its owner,
    so another member of the workspace cannot take the tenant over. A tenant stored without its owner's
    user id is its owner's when the grant's (Notion-verified) email is the stored one; with neither,
    nobody can be recognised: its owner cannot sign in either, so an operator revokes it first.
    """
    if existing is None or existing.status == TenantStatus.REVOKED:
        return True
    return _same_owner(existing, owner)


def _same_owner(existing: Tenant, owner: Any) -> bool:
    """Whether the grant's user is the stored owner: by user id, or by email for a tenant stored
    without one."""
    user_id, email = _owner(owner)
    if existing.owner_user_id:
        return bool(user_id) and hmac.compare_digest(user_id.encode(), existing.owner_user_id.encode())
    return same_address(email, existing.owner_email)


def same_connection(before: Tenant | None, now: Tenant | None) -> bool:
    """Whether the tenant read when a connect began (``before``) is still that connection: no
    disconnect, nor a connect starting afresh, came in between (each sets a new session epoch)."""
    if before is None or now is None:
        return before is None and now is None
    revoked = TenantStatus.REVOKED
    return now.session_epoch == before.session_epoch and (now.status == revoked) == (before.status == revoked)


def tenant_from_grant(
    tenant_id: str,
    grant_fields: dict[str, Any],
    existing: Tenant | None,
    now: datetime,
    token_secret: str,
    *,
    new_settings: TenantSettings | None = None,
) -> Tenant:
    """The tenant after a successful connect: a new one (with ``new_settings``, default
    :class:`TenantSettings`), or the existing one updated and active, its tokens in ``token_secret``.

    Its owner reconnecting keeps the session epoch; a new or revoked tenant (or one without an epoch)
    gets a new one, so no earlier session acts for it. Another person connecting a disconnected
    workspace keeps none of the previous owner's settings or confirmed address, and from ``owner_since``
    on sees, decides and runs none of their runs or notifications (docs/api.md, "Connecting and ownership").
    """
    user_id, email = _owner(grant_fields.get("owner"))
    kept = existing.session_epoch if existing is not None and existing.status != TenantStatus.REVOKED else ""
    fields = {
        "tenant_id": tenant_id,
        "workspace_id": str(grant_fields["workspace_id"]),
        "workspace_name": str(grant_fields.get("workspace_name") or ""),
        "bot_id": str(grant_fields.get("bot_id") or ""),
        "owner_user_id": user_id,
        "owner_email": email,
        "owner_name": owner_name(grant_fields.get("owner")),
        "status": TenantStatus.ACTIVE,
        "token_secret": token_secret,
        "session_epoch": kept or new_session_epoch(),
        "updated_at": now,
    }
    fresh = new_settings if new_settings is not None else TenantSettings()
    if existing is None:
        return Tenant.model_validate(fields | {"created_at": now, "settings": fresh})
    if existing.status == TenantStatus.REVOKED and not _same_owner(existing, grant_fields.get("owner")):
        fields |= {"settings": fresh, "confirmed_email": "", "confirmations_asked": ()}
        fields |= {"members": (), "member_invites": (), "approvers": Approvers()}  # the new owner's team
        fields["owner_since"] = now  # the earlier owner's runs and notifications stay theirs
    return existing.model_copy(update=fields)
