"""Connecting Linear or GitLab with the deployment's OAuth 2 app, keeping its token fresh, and revoking
it on disconnect. :func:`begin_oauth` hands out the authorize URL (a signed state bound to the tenant,
the person and the tool; PKCE's challenge). :func:`complete_oauth` takes the redirect, exchanges the
code and connects as a key would. :func:`current_key` refreshes a token about to expire before use."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform import errors
from shared.platform.config import PlatformSecret
from shared.sync.domain import oauth as grants
from shared.sync.domain.connection import TOOL_NAMES, Tool, key_secret
from shared.sync.domain.oauth import Grant, OAuthApp
from shared.workspace.domain.connecting.connection import frontend_redirect, nonce_key

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore
    from shared.sync.ports import SyncOAuth
    from shared.workspace.ports import OAuthStateStore

log = logging.getLogger(__name__)
_CODE = re.compile(r"[!-~]{1,500}")
_FAILED = (
    errors.Unauthenticated,
    errors.PermanentError,
    errors.TransientError,
    errors.NotFound,
    errors.ConfigError,
)


class OAuthParts(NamedTuple):
    """What the OAuth flows use: the configured apps (a tool missing has none), the redirect URI of
    each tool's callback, and a clock (epoch seconds)."""

    secrets: SecretStore
    oauth: SyncOAuth
    apps: Mapping[Tool, OAuthApp]
    callback_url: Callable[[Tool], str]
    now: Callable[[], float] = time.time


class OAuthConnecting(NamedTuple):
    """What the connect flow adds: the used states, the console's URL, and the tool's connect (the
    tenant, the credential and the state's params → the connection's status, as a key's connect)."""

    parts: OAuthParts
    states: OAuthStateStore
    frontend_url: str
    link: Callable[[str, str, dict[str, Any]], dict[str, Any]]  # tenant, credential, params
    params: Callable[[dict[str, Any]], dict[str, Any]]  # a start's body → its checked params


def _client_secret(secrets: SecretStore, tool: Tool) -> str:
    """The tool's OAuth app's client secret (a platform secret; ConfigError when the operator has
    not added it)."""
    if tool == "linear":
        return secrets.get(PlatformSecret.LINEAR_CLIENT_SECRET)
    return secrets.get(PlatformSecret.GITLAB_CLIENT_SECRET)


def _app(tool: Tool, parts: OAuthParts) -> OAuthApp:
    app = parts.apps.get(tool)
    if app is None:
        name = TOOL_NAMES[tool]
        raise errors.Conflict(
            f"this deployment has no {name} OAuth app (its operator sets NA_{tool.upper()}_OAUTH_CLIENT_ID): "
            f"connect {name} with a key instead"
        )
    return app


def begin_oauth(
    tenant_id: str, member_id: str, tool: Tool, body: dict[str, Any], deps: OAuthConnecting
) -> dict[str, Any]:
    """The tool's authorize URL for this person and workspace, valid 10 minutes; writes nothing.
    ``body``: the key's connect body without the key (checked as the key's connect checks it)."""
    parts = deps.parts
    app = _app(tool, parts)
    params = deps.params(body)
    key = parts.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, state = grants.new_state(key, parts.now(), (tenant_id, member_id, tool), params)
    url = grants.authorize_url(
        app, parts.callback_url(tool), state, grants.challenge(grants.verifier(key, nonce))
    )
    return {"tool": tool, "authorize_url": url, "expires_in_s": int(grants.STATE_TTL_S)}


def complete_oauth(
    tenant_id: str, member_id: str, tool: Tool, args: Mapping[str, str], deps: OAuthConnecting
) -> str:
    """The console's URL to send the browser to after the tool's redirect (``args``: its query).

    A forged, expired or used state, one of another person, workspace or tool, a malformed code and a
    code the tool refuses (reused, expired) are 400s storing nothing. The tool's own ``error`` (the
    person declined) uses the state up and goes to the console. A connect that fails after the
    exchange revokes the token it got."""
    parts = deps.parts
    app, now = _app(tool, parts), parts.now()
    key = parts.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, params = grants.checked_state(args.get("state", ""), key, now, (tenant_id, member_id, tool))
    error, code = args.get("error", ""), args.get("code", "")
    if not error and not _CODE.fullmatch(code):
        raise errors.InvalidInput("the redirect lacks a code of 1 to 500 visible ASCII characters", ["code"])
    kept_until = datetime.fromtimestamp(now, UTC) + timedelta(seconds=grants.STATE_TTL_S)
    if not deps.states.use(nonce_key(nonce), kept_until):
        raise errors.InvalidInput("this connect link was already used: start the connection again", ["state"])
    if error:
        reason = re.sub(r"[^a-z_]", "", error.lower())[:64] or "unknown_error"
        return frontend_redirect(deps.frontend_url, {"sync": tool, "connected": "false", "error": reason})
    secret = _client_secret(parts.secrets, tool)
    try:
        answer = parts.oauth.exchange(
            app, secret, code, parts.callback_url(tool), grants.verifier(key, nonce)
        )
    except errors.Unauthenticated:
        raise errors.InvalidInput(
            f"{TOOL_NAMES[tool]} refused the authorization code (already used, expired, or not for this app): "
            "nothing was stored; start the connection again",
            ["code"],
        ) from None
    token, grant = grants.grant_of(answer, now)
    parts.secrets.put(grants.oauth_secret(tenant_id, tool), grant.dump())
    try:
        deps.link(tenant_id, grants.credential(tool, token), params)
    except Exception:
        parts.secrets.delete(grants.oauth_secret(tenant_id, tool))
        _revoke(app, parts, token)
        raise
    log.info("sync: %s connected with OAuth", tool)
    return frontend_redirect(deps.frontend_url, {"sync": tool, "connected": "true"})


def current_key(tenant_id: str, tool: Tool, secrets: SecretStore, parts: OAuthParts | None) -> str:
    """The tenant's credential for ``tool``, its OAuth token refreshed first when it expires within
    five minutes (the rotated refresh token stored). A key, or a grant without expiry, as stored.
    A refused refresh is Unauthenticated (reconnect), unless another instance refreshed meanwhile."""
    stored = secrets.get(key_secret(tenant_id, tool))
    if parts is None or tool not in parts.apps:
        return stored
    try:
        grant = Grant.load(secrets.get(grants.oauth_secret(tenant_id, tool)))
    except errors.NotFound:
        return stored
    now = parts.now()
    if not grants.needs_refresh(grant, now):
        return stored
    app = parts.apps[tool]
    try:
        answer = parts.oauth.refresh(
            app, _client_secret(secrets, tool), grant.refresh_token, parts.callback_url(tool)
        )
    except errors.Unauthenticated:
        latest = Grant.load(secrets.get(grants.oauth_secret(tenant_id, tool), fresh=True))
        if latest.refresh_token != grant.refresh_token:  # another instance refreshed it first
            return secrets.get(key_secret(tenant_id, tool), fresh=True)
        raise errors.Unauthenticated(
            f"{TOOL_NAMES[tool]} refused to renew the OAuth access: reconnect {TOOL_NAMES[tool]}"
        ) from None
    token, renewed = grants.grant_of(answer, now)
    if not renewed.refresh_token:  # a tool that does not rotate it: the one we hold stays good
        renewed = renewed.model_copy(update={"refresh_token": grant.refresh_token})
    key = grants.credential(tool, token)
    secrets.put(key_secret(tenant_id, tool), key)
    secrets.put(grants.oauth_secret(tenant_id, tool), renewed.dump())
    return key


def revoke_grant(tenant_id: str, tool: Tool, secrets: SecretStore, parts: OAuthParts | None) -> bool | None:
    """Revoke the tenant's OAuth token at the tool and delete our grant: None when it connected with a
    key, True when revoked, False when the tool did not confirm it (our copy is deleted all the same)."""
    try:
        secrets.get(grants.oauth_secret(tenant_id, tool))
    except errors.NotFound:
        return None
    revoked = False
    if parts is not None and tool in parts.apps:
        try:
            token = secrets.get(key_secret(tenant_id, tool)).removeprefix("Bearer ")
        except errors.NotFound:
            token = ""
        revoked = bool(token) and _revoke(parts.apps[tool], parts, token)
    secrets.delete(grants.oauth_secret(tenant_id, tool))
    return revoked


def _revoke(app: OAuthApp, parts: OAuthParts, token: str) -> bool:
    """Revoke ``token`` at the tool, best effort: whether the tool confirmed it."""
    try:
        parts.oauth.revoke(app, _client_secret(parts.secrets, app.tool), token)
    except _FAILED as exc:
        log.warning("sync: %s did not revoke the OAuth token (%s)", app.tool, exc.reason)
        return False
    return True
