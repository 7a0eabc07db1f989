"""Connecting a workspace with Notion OAuth, and disconnecting it.

:func:`begin_connect` (``GET /connect``) hands out a signed state and a cookie nonce, writing nothing;
:func:`complete_connect` (the oauth-callback) stores the grant; :func:`disconnect`
(``DELETE /connection``) ends the connection. Who may connect, what a disconnect ends, and why a
connect racing another is refused: docs/api.md, "Connecting and ownership", and
docs/decisions/0018-one-owner-per-workspace.md.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from shared.notion.services.notion_access import oauth_client
from shared.platform.config import PlatformSecret, Settings
from shared.platform.errors import (
    ConfigError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
    Unauthenticated,
)
from shared.team.services.sessions import start_session
from shared.workspace.domain import members
from shared.workspace.domain.connecting import signup
from shared.workspace.domain.connecting.connection import (
    STATE_TTL_S,
    NotionTokens,
    checked_state,
    frontend_redirect,
    may_connect,
    new_connection_id,
    new_state,
    new_tenant_settings,
    nonce_key,
    owner_email,
    owner_identity,
    owner_name,
    same_connection,
    tenant_from_grant,
    token_secret_name,
)
from shared.workspace.domain.connecting.notion_grant import NotionGrant
from shared.workspace.domain.tenants import Tenant, TenantStatus, same_address, tenant_id_for

if TYPE_CHECKING:
    from shared.notion.ports import NotionOAuth
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import InviteStore, OAuthStateStore, TenantStore

log = logging.getLogger(__name__)
_CODE = re.compile(r"[!-~]{1,500}")
MEMBER_INVITE = "member:"  # what the state's invite starts with for a team's invite (not a sign-up's)


class ConnectStart(NamedTuple):
    authorize_url: str
    nonce: str  # goes into the browser's cookie only
    expires_in_s: int


class ConnectOutcome(NamedTuple):
    """Where the oauth-callback sends the browser (the outcome in the fragment), and the session it
    sets as the cookie after a successful connect or sign-in ("" otherwise): never in the URL."""

    location: str
    session: str = ""
    member_id: str = ""  # who signed in ("" for a refusal; the owner's for a connect)
    tenant_id: str = ""
    action: str = ""  # "connect" or "sign_in" (the audit log's words), "" for a refusal


class Connecting(NamedTuple):
    """What the connect flow uses."""

    settings: Settings
    secrets: SecretStore
    states: OAuthStateStore
    tenants: TenantStore
    oauth: NotionOAuth
    invites: InviteStore | None = None  # with NA_SIGNUP_POLICY=invite only
    forget_index: Callable[[str], int] | None = None  # a tenant id → its workspace index deleted

    def need_invites(self) -> InviteStore:
        if self.invites is None:
            raise ConfigError("the invite sign-up policy needs the invite store")
        return self.invites


def begin_connect(deps: Connecting, invite: str = "") -> ConnectStart:
    """Notion's authorize URL with a fresh signed state, and the nonce for the browser's cookie.

    ``invite``: the code the person brings (the ``X-Invite-Code`` header). Under the invite sign-up
    policy, one that is not a code or unknown (400) or used up (409) is refused here, before the person
    goes to Notion. A good one travels in the state as its key; its use is taken at the callback. Under
    another policy a code is ignored. Writes nothing."""
    now = time.time()
    key = signup.invite_key(invite) if invite and deps.settings.signup_policy == "invite" else ""
    if invite.startswith(members.INVITE_PREFIX):  # a team's invite: checked at the callback
        if not members.is_member_invite(invite):
            raise InvalidInput(
                "this is not a valid invite code: check that the whole invite link was opened",
                [signup.INVITE_HEADER],
            )
        key = MEMBER_INVITE + members.invite_key(invite)
    elif key:
        _check_invite(deps.need_invites(), invite, key)
    nonce, state = new_state(deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY), now, invite=key)
    client_id, _ = oauth_client(deps.secrets)
    query = {
        "client_id": client_id,
        "response_type": "code",
        "owner": "user",
        "redirect_uri": deps.settings.oauth_callback_url,
        "state": state,
    }
    url = f"{deps.settings.notion_api_base_url.rstrip('/')}/v1/oauth/authorize?{urlencode(query)}"
    return ConnectStart(url, nonce, int(STATE_TTL_S))


def _check_invite(invites: InviteStore, code: str, key: str) -> None:
    """A code that is not one, or names no invite (400), or one used up (409); nothing is written."""
    left = invites.uses_left(key) if signup.well_formed_invite(code) else None
    if left is None:
        raise InvalidInput(
            "this is not a valid invite code: check that the whole invite link was opened, or ask the "
            "operator for a new invite",
            [signup.INVITE_HEADER],
        )
    if left <= 0:
        raise Conflict("this invite code is used up: ask the operator for a new invite")


def _reason(error: str) -> str:
    return re.sub(r"[^a-z_]", "", error.lower())[:64] or "unknown_error"


def _check_code(code: str) -> None:
    """Notion's authorization codes are short ASCII; anything else is no redirect of Notion's."""
    if not code:
        raise InvalidInput("the redirect lacks code", ["code"])
    if not _CODE.fullmatch(code):
        raise InvalidInput("the redirect's code is not 1 to 500 visible ASCII characters", ["code"])


def complete_connect(args: Mapping[str, str], cookie_nonce: str, deps: Connecting) -> ConnectOutcome:
    """The frontend URL to redirect the browser to, carrying the outcome in its fragment, and the
    session of a successful connect.

    Only a genuine, unexpired state issued to this browser (the signature, the cookie) is accepted, and
    it is used up by creating its ``oauth_states`` record; anything else is a 400 storing nothing. The
    redirect's own checks (a code of visible ASCII) come first, so a 400 for them leaves the state
    usable. Notion's ``error`` (e.g. ``access_denied``) uses the state up and reports the reason.
    """
    now = time.time()
    key = deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, invite = checked_state(args.get("state", ""), cookie_nonce, key, now)
    error, code = args.get("error"), args.get("code", "")
    if not error:  # checked before the state is used up, so a fixed redirect can still use it
        _check_code(code)
    # Kept until the state has expired for sure (issued at most now), then its signature refuses it.
    kept_until = datetime.fromtimestamp(now, UTC) + timedelta(seconds=STATE_TTL_S)
    if not deps.states.use(nonce_key(nonce), kept_until):
        raise InvalidInput("this connect link was already used: start again")
    frontend = deps.settings.frontend_url
    if error:  # e.g. access_denied: this attempt is over, so its state is used up like any other
        return _refused(frontend, {"connected": "false", "error": _reason(error)})
    grant = _exchange(deps, code)
    if not isinstance(grant, NotionGrant):
        return _refused(frontend, {"connected": "false", "error": grant})
    tenant_id = tenant_id_for(grant.workspace_id)
    tokens = NotionTokens(access_token=grant.access_token, refresh_token=grant.refresh_token)
    before = deps.tenants.get(tenant_id)
    if _signs_in_as_member(grant, before, invite):  # a member's sign-in: the grant's token is not kept
        _revoke_refused(tokens, deps)
        return member_sign_in(deps, grant, before, invite, now)
    refused = _who_may_not_connect(deps, grant, before, invite)
    if refused is not None:  # nothing is stored, and the token the exchange gave goes
        _revoke_refused(tokens, deps)
        return _refused(frontend, refused)
    stored = _store_connection(deps, tenant_id, before, grant, tokens, now=now)
    if not isinstance(stored, Tenant):
        if before is None and invite and deps.invites is not None:
            deps.invites.give_back(invite)  # nothing was connected with it
        return _refused(frontend, stored)
    tenant = stored
    log.info("connect: workspace %s %s", grant.workspace_id, "re-connected" if before else "connected")
    # The console asks GET /session for the tenant and its CSRF token: the fragment names no secret.
    outcome = {"connected": "true", "workspace_name": tenant.workspace_name}
    if not (tenant.settings.data_source_ids or tenant.settings.page_ids):
        # Onboarding is the frontend's: nothing is chosen yet, so nothing starts work (no event, no
        # daily plan reads anything) until the owner picks data sources or pages in the settings.
        outcome["onboarding"] = "choose_sources"
    session = start_session(tenant_id, deps.secrets, epoch=tenant.session_epoch)
    member_id = tenant.owner_member().member_id
    return ConnectOutcome(frontend_redirect(frontend, outcome), session, member_id, tenant_id, "connect")


def _exchange(deps: Connecting, code: str) -> NotionGrant | str:
    """Notion's grant for ``code``, or the error the frontend is sent when Notion gives none."""
    client_id, client_secret = oauth_client(deps.secrets)
    try:
        return deps.oauth.exchange_code(client_id, client_secret, code, deps.settings.oauth_callback_url)
    except (PermanentError, Unauthenticated) as exc:
        log.warning("connect: Notion refused the code exchange: %s", exc.reason)
        return "exchange_failed"
    except TransientError as exc:
        log.warning("connect: Notion's token endpoint failed: %s", exc.reason)
        return "temporarily_unavailable"


def _signs_in_as_member(grant: NotionGrant, before: Tenant | None, invite: str) -> bool:
    """Whether the grant is a team member's sign-in rather than a connect: someone other than the
    owner in a connected workspace, or anyone bringing a team's invite (which never connects one)."""
    if invite.startswith(MEMBER_INVITE):
        return True
    return (
        before is not None and before.status != TenantStatus.REVOKED and not may_connect(before, grant.owner)
    )


def member_sign_in(
    deps: Connecting, grant: NotionGrant, before: Tenant | None, invite: str, now: float
) -> ConnectOutcome:
    """Sign a member of the team in (a session acting as them), accepting their invite first if the
    state brings one. Refused when the Notion person is no member and brings no invite of this team
    meant for their email. Nothing but the team changes; the grant's token is gone."""
    user_id, email = owner_identity(grant.owner)
    frontend = deps.settings.frontend_url
    if before is None or before.status == TenantStatus.REVOKED or not user_id:
        return _refused(frontend, _refusal("not_a_member"))
    member = before.member_of_notion_user(user_id)
    if member is None and invite.startswith(MEMBER_INVITE):
        person = (user_id, email, owner_name(grant.owner))
        accepted = _accept_invite(deps, before, invite.removeprefix(MEMBER_INVITE), person, now)
        if isinstance(accepted, str):
            return _refused(frontend, _refusal(accepted))
        member = accepted
    if member is None:
        log.warning("connect: workspace %s is connected by another user: refused", grant.workspace_id)
        return _refused(frontend, _refusal("connected_by_another_user"))
    tenant = deps.tenants.get(before.tenant_id, fresh=True) or before
    current = tenant.member(member.member_id)
    if current is None:
        return _refused(frontend, _refusal("not_a_member"))
    log.info("connect: a member (%s) signed in to workspace %s", current.role, grant.workspace_id)
    session = start_session(tenant.tenant_id, deps.secrets, epoch=tenant.session_epoch, member=current)
    outcome = {"connected": "true", "workspace_name": tenant.workspace_name, "role": current.role}
    return ConnectOutcome(
        frontend_redirect(frontend, outcome), session, current.member_id, tenant.tenant_id, "sign_in"
    )


def _accept_invite(
    deps: Connecting, before: Tenant, key: str, person: tuple[str, str, str], now: float
) -> members.Member | str:
    """The member an invite of ``before``'s team (by its ``key``) makes of this Notion ``person`` (user
    id, email, name), stored with the invite used up; or the refusal's error: no such invite (or
    expired), another email."""
    at, (user_id, email, name) = datetime.fromtimestamp(now, UTC), person

    def accept(tenant: Tenant | None) -> Tenant:
        if not same_connection(before, tenant) or tenant is None:
            raise Conflict("the workspace's connection changed")
        invite = next(
            (i for i in tenant.member_invites if hmac.compare_digest(i.key.encode(), key.encode())), None
        )
        if invite is None or invite.expires_at <= at:
            raise NotFound("invite_not_valid")
        if not same_address(invite.email, email):
            raise Forbidden("invite_for_another_email")
        member = members.Member(
            member_id=members.member_id_for(user_id),
            notion_user_id=user_id,
            email=email,
            name=name,
            role=invite.role,
            added_at=at,
            added_by=invite.invited_by,
            epoch=members.new_epoch(),
        )
        kept = tuple(m for m in tenant.members if m.member_id != member.member_id)
        left = tuple(i for i in tenant.member_invites if i.key != key)
        return tenant.model_copy(
            update={"members": (*kept, member), "member_invites": left, "updated_at": at}
        )

    try:
        stored = deps.tenants.update(before.tenant_id, accept)
    except Conflict:
        return "connection_changed"
    except (NotFound, Forbidden) as exc:
        return exc.reason
    return stored.member_of_notion_user(user_id) or "invite_not_valid"


def _who_may_not_connect(
    deps: Connecting, grant: NotionGrant, before: Tenant | None, invite: str
) -> dict[str, str] | None:
    """The outcome refusing this grant (another user's workspace, or the sign-up policy), or None."""
    if not may_connect(before, grant.owner):
        log.warning("connect: workspace %s is connected by another user: refused", grant.workspace_id)
        return _refusal("connected_by_another_user")
    refused = _signup_refusal(deps, grant, before, invite)
    if refused is None:
        return None
    log.warning("connect: workspace %s refused by the sign-up policy: %s", grant.workspace_id, refused.error)
    return {"connected": "false", "error": refused.error, "reason": refused.reason}


def _signup_refusal(
    deps: Connecting, grant: NotionGrant, before: Tenant | None, invite: str
) -> signup.Refusal | None:
    """Why the sign-up policy refuses this grant, or None (docs/decisions/0051-who-may-connect.md).

    Open refuses nobody. Allowlist: the workspace id or the owner's email domain must be listed, at
    every connect. Invite: a workspace with no tenant yet needs the invite its state carries, and one
    use of it is taken here (atomically). A workspace admitted before reconnects without one."""
    s = deps.settings
    if s.signup_policy == "allowlist":
        workspaces, domains = s.signup_allowlist()
        return signup.allowlist_refusal(grant.workspace_id, owner_email(grant.owner), workspaces, domains)
    if s.signup_policy != "invite" or before is not None:
        return None
    if not invite:
        return signup.NOT_INVITED
    return None if deps.need_invites().use(invite) else signup.INVITE_USED_UP


def _refused(frontend: str, outcome: dict[str, str]) -> ConnectOutcome:
    return ConnectOutcome(frontend_redirect(frontend, outcome))


def _store_connection(
    deps: Connecting,
    tenant_id: str,
    before: Tenant | None,
    grant: NotionGrant,
    tokens: NotionTokens,
    *,
    now: float,
) -> Tenant | dict[str, str]:
    """Keep the grant's tokens in a new secret and point the tenant at it: the tenant, or the outcome
    to redirect with when it was refused or failed (its secret deleted and its token revoked then).

    The tenant's update is conditioned on the connection read before (``same_connection``): a disconnect
    or another person's connect in between refuses it (``error=connection_changed``). The secret it
    replaces is deleted; its token is not revoked (the oauth-callback may not read tenant tokens), but
    nothing names it any more.
    """
    secret = token_secret_name(tenant_id, new_connection_id())
    deps.secrets.put(secret, tokens.dump())
    fields = {
        "workspace_id": grant.workspace_id,
        "workspace_name": grant.workspace_name,
        "bot_id": grant.bot_id,
        "owner": grant.owner,
    }
    replaced: list[str] = []  # the secret of the connection this one replaces, as last read

    def connect(existing: Tenant | None) -> Tenant:
        if not same_connection(before, existing):  # a disconnect or another person's connect came first
            raise Conflict("the workspace's connection changed while connecting")
        replaced[:] = [existing.token_secret] if existing is not None else []
        s = deps.settings
        budgets = new_tenant_settings(
            s.default_run_budget_usd, s.default_day_budget_usd, s.default_month_budget_usd
        )
        return tenant_from_grant(
            tenant_id, fields, existing, datetime.fromtimestamp(now, UTC), secret, new_settings=budgets
        )

    try:
        tenant = deps.tenants.update(tenant_id, connect)
    except Conflict:
        log.warning("connect: workspace %s changed while connecting: refused", grant.workspace_id)
        deps.secrets.delete(secret)
        _revoke_refused(tokens, deps)
        return _refusal("connection_changed")
    except TransientError as exc:  # the update may have landed or not: the tenant as stored says
        landed = _tenant_naming_secret(deps, tenant_id, secret)
        if landed is None:
            log.warning(
                "connect: workspace %s not connected, the tenant update failed: %s",
                grant.workspace_id,
                exc.reason,
            )
            deps.secrets.delete(secret)
            _revoke_refused(tokens, deps)
            return {"connected": "false", "error": "temporarily_unavailable"}
        tenant = landed
    for previous in replaced:
        if previous and previous != secret:  # nothing reads it any more: the tenant names this one's
            try:
                deps.secrets.delete(previous)
            except TransientError as exc:  # the workspace is connected: say so, and log what is left
                log.warning("connect: the replaced token secret was not deleted: %s", exc.reason)
    return tenant


def _tenant_naming_secret(deps: Connecting, tenant_id: str, secret: str) -> Tenant | None:
    """The tenant, if the update whose outcome is unknown landed (it names this connect's secret).
    None if it did not, so the caller deletes that secret and revokes its token rather than leave a
    live token that nothing names. An update that lands after this read (a commit applied after its
    caller gave up) then names a deleted secret, and the workspace asks its owner to reconnect
    (``notion_access``): a nuisance, where the alternative would be a token kept forever.
    When this read fails too, its error propagates (the request fails, a 503) and the secret stays;
    the log names the tenant for an operator."""
    try:
        tenant = deps.tenants.get(tenant_id, fresh=True)
    except TransientError:
        log.error(
            "connect: tenant %s: the update's outcome is unknown, its new token secret may be left over",
            tenant_id,
        )
        raise
    return tenant if tenant is not None and tenant.token_secret == secret else None


_REFUSALS = {
    "connected_by_another_user": "This workspace is connected by another member: only they can "
    "reconnect it, or disconnect it so that someone else can connect it. To work in it with them, "
    "ask them or an admin for an invite and open its link.",
    "connection_changed": "The workspace was disconnected, or connected by someone else, while this "
    "connection was completing: nothing was connected. Start again.",
    "not_a_member": "You are not a member of this workspace's team in this service: ask its owner or "
    "an admin for an invite, and open its link. Nothing was kept of the access Notion gave.",
    "invite_not_valid": "This invite is unknown, used or expired, or is for another workspace: ask for "
    "a new one. Nothing was kept of the access Notion gave.",
    "invite_for_another_email": "This invite was sent to another email address than your Notion "
    "account's: ask for an invite to your own address. Nothing was kept of the access Notion gave.",
}


def _refusal(error: str) -> dict[str, str]:
    return {"connected": "false", "error": error, "reason": _REFUSALS[error]}


def _revoke_refused(tokens: NotionTokens, deps: Connecting) -> None:
    """Revoke a refused grant's token at Notion, best effort: nothing keeps it, so it can only go."""
    client_id, client_secret = oauth_client(deps.secrets)
    try:
        deps.oauth.revoke(client_id, client_secret, tokens.access_token)
    except (PermanentError, Unauthenticated, TransientError) as exc:
        log.warning("connect: Notion did not revoke the refused grant's token (%s)", exc.reason)
