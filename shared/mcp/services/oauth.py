"""Connecting a remote MCP server that asks for the MCP authorization specification's OAuth. It takes
an admin's two requests, since a function cannot await a person. :func:`begin_oauth` discovers the server's
authorization server, registers a client, keeps it with PKCE's verifier (Secret Manager) and answers
the authorization URL the console opens. :func:`complete_oauth` takes the redirect (a state signed for
this person and workspace, used once), exchanges the code, lists the tools, keeps the grant (tokens,
client, expiry: Secret Manager) and the record."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mcp.client.auth import PKCEParameters

from shared.mcp.domain import oauth as grants
from shared.mcp.domain.servers import McpServer, checked_url, mcp_token_secret, server_id
from shared.mcp.ports import OAuthSession
from shared.mcp.services import connect
from shared.mcp.services.connect import Connecting, checked_target, listed_tools, view
from shared.platform import errors
from shared.platform.config import PlatformSecret
from shared.workspace.domain.connecting.connection import frontend_redirect, nonce_key

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore

log = logging.getLogger(__name__)
_CODE = re.compile(r"[!-~]{1,1000}")
_FIELDS = ("name", "url", "client_id", "client_secret")
_CLIENT = re.compile(r"[!-~]{1,255}")
_CLIENT_SECRET = re.compile(r"[!-~]{1,1000}")


def begin_oauth(tenant_id: str, member_id: str, body: dict[str, Any], deps: Connecting) -> dict[str, Any]:
    """``{"server", "authorization_url", "expires_in_s"}`` for an admin's connect of the server named
    in ``body`` (``name``, ``url``; ``client_id`` and ``client_secret`` of a client registered by
    hand, else one is registered dynamically). The client and PKCE's verifier are kept for the
    callback (one connect in progress per server: a new one replaces it; it expires with its state);
    the server's record and any token it had are untouched until the callback. A server that does not
    ask for OAuth, whose metadata is missing or names a refused address, or that cannot register us
    when no client is given, is a 400."""
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise errors.InvalidInput(
            f"unknown fields {unknown}; send name and url (and client_id, client_secret)", unknown
        )
    if deps.authorizer is None or deps.states is None:
        raise errors.ConfigError("connecting an MCP server with OAuth is not configured here")
    name, url, host = checked_target(tenant_id, body, deps)
    given = _given_client(body)
    connect.forget_expired(tenant_id, deps)
    allowed = connect.allowed_urls(deps)
    try:
        allowed(url)
        found = deps.authorizer.discover(url, allowed)
        redirect_uri = deps.callback_url
        client = (
            _registered_by_hand(given, found["authorization_server"], redirect_uri, found["scope"])
            if given is not None
            else deps.authorizer.register(
                found["authorization_server"], redirect_uri, found["scope"], allowed
            )
        )
        endpoint, _ = checked_url(
            found["authorization_server"]["authorization_endpoint"], deps.allow_loopback
        )
    except ValueError as exc:
        raise errors.InvalidInput(
            f"url: {str(exc).removeprefix('url: ')}; nothing was stored", ["url"]
        ) from None
    except (errors.PermanentError, errors.TransientError) as exc:
        raise errors.InvalidInput(f"url: {exc}; nothing was stored", ["url"]) from None
    ident = server_id(name)
    key = deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, state = grants.new_state(
        key, deps.clock(), (tenant_id, member_id, ident), {"name": name, "url": url}
    )
    pkce = PKCEParameters.generate()
    pending = grants.Pending(
        nonce=nonce,
        verifier=pkce.code_verifier,
        redirect_uri=redirect_uri,
        client=client,
        authorization_server=found["authorization_server"],
        resource=found["resource"],
    )
    deps.secrets.put(grants.pending_secret(tenant_id, ident), pending.dump())
    expires = datetime.fromtimestamp(deps.clock() + grants.STATE_TTL_S, UTC)
    deps.servers.put_pending(tenant_id, ident, expires)
    query = {
        "response_type": "code",
        "client_id": client.get("client_id", ""),
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.code_challenge,
        "code_challenge_method": "S256",
        "resource": str((found["resource"] or {}).get("resource") or url),
    } | ({"scope": found["scope"]} if found["scope"] else {})
    log.info("mcp: an OAuth connect of %s started (host %s, client %s)", ident, host, _how(given))
    return {
        "server": ident,
        "authorization_url": f"{endpoint}?{urlencode(query)}",
        "expires_in_s": int(grants.STATE_TTL_S),
    }


def complete_oauth(tenant_id: str, member_id: str, args: Mapping[str, str], deps: Connecting) -> str:
    """The console's URL to send the browser to after the authorization server's redirect (``args``:
    its query). A forged, expired or used state, one of another person or workspace, one replaced by
    a later connect of the server, a malformed code or one the authorization server refuses are 400s
    storing nothing. The person's refusal (``error``) ends the connect and goes to the console."""
    if deps.states is None or deps.authorizer is None:
        raise errors.ConfigError("connecting an MCP server with OAuth is not configured here")
    key = deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    now = deps.clock()
    claims = grants.checked_state(args.get("state", ""), key, now, (tenant_id, member_id))
    ident, params = str(claims.get("server", "")), claims.get("params") or {}
    error, code = args.get("error", ""), args.get("code", "")
    if not error and not _CODE.fullmatch(code):
        raise errors.InvalidInput("the redirect lacks a code of 1 to 1000 visible ASCII characters", ["code"])
    kept_until = datetime.fromtimestamp(now, UTC) + timedelta(seconds=grants.STATE_TTL_S)
    if not deps.states.use(nonce_key(str(claims.get("nonce", ""))), kept_until):
        raise errors.InvalidInput("this connect link was already used: connect the server again", ["state"])
    pending = _pending(deps.secrets, tenant_id, ident, str(claims.get("nonce", "")))
    deps.secrets.delete(grants.pending_secret(tenant_id, ident))
    deps.servers.drop_pending(tenant_id, ident)
    if error:
        reason = re.sub(r"[^a-z_]", "", error.lower())[:64] or "unknown_error"
        return frontend_redirect(deps.frontend_url, {"mcp": ident, "connected": "false", "error": reason})
    name, url = str(params.get("name", "")), str(params.get("url", ""))
    server = _connected(tenant_id, member_id, (ident, name, url), _granted(url, pending, code, deps), deps)
    log.info("mcp: %s connected with OAuth (%d tools)", ident, len(server["tools"]))
    return frontend_redirect(deps.frontend_url, {"mcp": ident, "connected": "true"})


def _pending(secrets: SecretStore, tenant_id: str, ident: str, nonce: str) -> grants.Pending:
    """The connect in progress the state names; a 400 when a later connect of the server replaced it."""
    try:
        pending = grants.Pending.load(secrets.get(grants.pending_secret(tenant_id, ident), fresh=True))
    except errors.NotFound:
        pending = None
    if pending is None or pending.nonce != nonce:
        raise errors.InvalidInput(
            "this connect was replaced by a later one of the same server, or has ended: connect it again",
            ["state"],
        )
    return pending


def _granted(url: str, pending: grants.Pending, code: str, deps: Connecting) -> grants.Grant:
    """The grant of ``code``: a 400 when the authorization server refuses it (nothing kept)."""
    assert deps.authorizer is not None  # checked by the caller
    try:
        tokens = deps.authorizer.exchange(url, pending, code, connect.allowed_urls(deps))
    except ValueError as exc:
        raise errors.InvalidInput(
            f"url: {str(exc).removeprefix('url: ')}; nothing was stored", ["url"]
        ) from None
    except (errors.Unauthenticated, errors.PermanentError, errors.TransientError) as exc:
        raise errors.InvalidInput(
            f"code: {exc} (already used, expired, or not for this connect): nothing was stored; connect "
            "the server again",
            ["code"],
        ) from None
    return grants.Grant(
        tokens=tokens,
        expires_at=grants.expiry(tokens.get("expires_in"), deps.clock()),
        client=pending.client,
        authorization_server=pending.authorization_server,
        resource=pending.resource,
    )


def _connected(
    tenant_id: str, by: str, server: tuple[str, str, str], grant: grants.Grant, deps: Connecting
) -> dict[str, Any]:
    """List the tools with the grant, then keep the grant and the record: the server's view."""
    ident, name, url = server
    kept = [grant.dump()]
    session = OAuthSession(kept[0], kept.append)
    tools = listed_tools(url, _host(url), session, deps)
    deps.secrets.put(mcp_token_secret(tenant_id, ident), kept[-1])
    now = deps.now()
    record = McpServer(
        id=ident, name=name, url=url, tools=tools, added_at=now, added_by=by, listed_at=now, auth="oauth"
    )
    deps.servers.put(tenant_id, record)
    return view(record)


def _given_client(body: dict[str, Any]) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` of a client registered by hand (the secret "" when it has none);
    None when the body names none; a 400 saying what is wrong with them."""
    client_id, secret = body.get("client_id"), body.get("client_secret")
    if client_id in (None, "") and secret in (None, ""):
        return None
    if not isinstance(client_id, str) or not _CLIENT.fullmatch(client_id):
        raise errors.InvalidInput(
            "client_id: the client id the authorization server gave you, 1 to 255 printable characters "
            "without spaces (a client_secret needs its client_id)",
            ["client_id"],
        )
    if secret not in (None, "") and (not isinstance(secret, str) or not _CLIENT_SECRET.fullmatch(secret)):
        raise errors.InvalidInput(
            "client_secret: 1 to 1000 printable characters without spaces, or none for a public client",
            ["client_secret"],
        )
    return client_id, secret or ""


def _registered_by_hand(
    given: tuple[str, str], authorization_server: dict[str, Any], redirect_uri: str, scope: str | None
) -> dict[str, Any]:
    """The client an admin registered by hand, as a registration would have answered it: with a
    secret, sent in the token request's body when the server takes that, else in Basic (RFC 8414's
    default); without, a public client (PKCE alone)."""
    client_id, secret = given
    methods = authorization_server.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = (
        "none"
        if not secret
        else "client_secret_post"
        if "client_secret_post" in methods
        else "client_secret_basic"
    )
    client: dict[str, Any] = {
        "client_id": client_id,
        "client_name": grants.CLIENT_NAME,
        "redirect_uris": [redirect_uri],
        "token_endpoint_auth_method": method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }
    return client | ({"client_secret": secret} if secret else {}) | ({"scope": scope} if scope else {})


def _how(given: tuple[str, str] | None) -> str:
    """How the client came, for a log line (never its id or secret)."""
    return "registered dynamically" if given is None else "registered by hand"


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower().strip("[]")
