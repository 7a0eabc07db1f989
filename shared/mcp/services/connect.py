"""Connecting a tenant's remote MCP server. An admin gives its name, its MCP
endpoint's URL and a header token. The URL is checked: https, a public host, never a private,
loopback or metadata address (the local setting lets the local stack's sandbox on loopback through).
Then the server is asked for its tools with the token. A refused token, an unreachable server, an
answer that is not MCP or tools that fail the checks are a 400 with the reason, nothing kept. Then the token goes to the secrets port and the record (the tools, no token) to the store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.mcp.domain.oauth import Grant, pending_secret
from shared.mcp.domain.servers import (
    McpServer,
    checked_name,
    checked_tools,
    checked_url,
    mcp_token_secret,
    resolved_problem,
    server_id,
)
from shared.mcp.ports import OAuthSession
from shared.platform import errors

if TYPE_CHECKING:
    from shared.mcp.ports import Auth, McpAuthorizer, McpClient, McpServers
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import OAuthStateStore

log = logging.getLogger(__name__)
MAX_SERVERS = 20
_FIELDS = ("name", "url", "token")
_TOKEN_CHARS = range(0x21, 0x7F)


class Connecting(NamedTuple):
    """What connecting uses. ``allow_loopback``: the local stack's sandbox on 127.0.0.1 over http
    (settings: ``mcp_allow_loopback``, refused in production). Connecting with OAuth also uses
    ``authorizer``, the used connect ``states``, our ``callback_url`` (the redirect URI) and the
    console's URL the callback sends the browser back to."""

    servers: McpServers
    secrets: SecretStore
    client: McpClient
    allow_loopback: bool = False
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    authorizer: McpAuthorizer | None = None
    states: OAuthStateStore | None = None
    callback_url: str = ""
    frontend_url: str = ""
    clock: Callable[[], float] = time.time


def add_server(tenant_id: str, body: dict[str, Any], by: str, deps: Connecting) -> dict[str, Any]:
    """Check ``body`` (``name``, ``url``, ``token``), list the server's tools, keep them: the server's
    view (:func:`view`). A name already connected is replaced (its token and tools with it)."""
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise errors.InvalidInput(f"unknown fields {unknown}; send name, url and token", unknown)
    name, url, host = checked_target(tenant_id, body, deps)
    token = body.get("token")
    if (
        not isinstance(token, str)
        or not 8 <= len(token) <= 2000
        or any(ord(c) not in _TOKEN_CHARS for c in token)
    ):
        raise errors.InvalidInput(
            "token: the server's header token, 8 to 2000 printable characters, no spaces", ["token"]
        )
    ident = server_id(name)
    tools = listed_tools(url, host, token, deps)
    deps.secrets.put(mcp_token_secret(tenant_id, ident), token)
    now = deps.now()
    server = McpServer(id=ident, name=name, url=url, tools=tools, added_at=now, added_by=by, listed_at=now)
    deps.servers.put(tenant_id, server)
    return view(server)


def checked_target(tenant_id: str, body: dict[str, Any], deps: Connecting) -> tuple[str, str, str]:
    """``(name, url, host)`` of a connect's ``body``; a 400 saying what is wrong with its name or URL,
    or that the workspace has all the servers it may (a name already connected replaces it)."""
    try:
        name = checked_name(body.get("name"))
        url, host = checked_url(body.get("url"), deps.allow_loopback)
    except ValueError as exc:
        field = str(exc).split(":", 1)[0]
        raise errors.InvalidInput(str(exc), [field]) from None
    ident = server_id(name)
    if deps.servers.get(tenant_id, ident) is None and len(deps.servers.list(tenant_id)) >= MAX_SERVERS:
        raise errors.InvalidInput(f"a workspace connects at most {MAX_SERVERS} MCP servers", ["name"])
    return name, url, host


def listed_tools(url: str, host: str, token: Auth, deps: Connecting) -> list[Any]:
    """The server's tools, checked; a 400 saying why the server is refused (nothing is kept)."""
    problem = resolved_problem(host, deps.client.addresses(host), deps.allow_loopback)
    if problem:
        raise errors.InvalidInput(problem, ["url"])
    try:
        listed = deps.client.list_tools(url, token)
    except errors.Unauthenticated as exc:
        raise errors.InvalidInput(f"token: {exc}; nothing was stored", ["token"]) from None
    except (errors.PermanentError, errors.TransientError) as exc:
        raise errors.InvalidInput(f"url: {exc}; nothing was stored", ["url"]) from None
    try:
        return checked_tools(listed)
    except ValueError as exc:
        raise errors.InvalidInput(
            f"the server's tools are refused: {exc}; nothing was stored", ["url"]
        ) from None


def credential(secrets: SecretStore, tenant_id: str, server: McpServer) -> Auth:
    """What a call of ``server`` is made with: its header token, or its OAuth grant read fresh (another
    instance may have refreshed it) and saved when refreshed, into its secret only while it exists."""
    name = mcp_token_secret(tenant_id, server.id)
    if server.auth != "oauth":
        return secrets.get(name)
    return OAuthSession(secrets.get(name, fresh=True), lambda grant: secrets.put(name, grant, create=False))


def list_servers(tenant_id: str, deps: Connecting) -> dict[str, Any]:
    """``{servers: [view]}``: every connected server and its tools (expired connects forgotten first)."""
    forget_expired(tenant_id, deps)
    return {"servers": [view(s) for s in deps.servers.list(tenant_id)]}


def remove_server(tenant_id: str, ident: str, deps: Connecting) -> dict[str, Any]:
    """Forget a server: its OAuth tokens revoked at its authorization server when it offers that (RFC
    7009), its secrets deleted either way, then its record (repeatable: a second call finds none).
    The answer says how the revocation went; a failed one is logged and never blocks the removal."""
    server = deps.servers.get(tenant_id, ident)
    if server is None:
        raise errors.NotFound(f"no MCP server {ident[:40]!r} is connected")
    revocation, why = ("none", "") if server.auth != "oauth" else _revoked(tenant_id, server, deps)
    deps.secrets.delete(mcp_token_secret(tenant_id, ident))
    _forget_pending(tenant_id, ident, deps)
    deps.servers.delete(tenant_id, ident)
    return {"id": ident, "connected": False, "revocation": revocation, "revocation_why": why}


def _revoked(tenant_id: str, server: McpServer, deps: Connecting) -> tuple[str, str]:
    """``(outcome, why)`` of revoking an OAuth server's tokens: ``revoked``, ``not_offered`` (its
    authorization server names no ``revocation_endpoint``) or ``failed`` (logged, with our words)."""
    try:
        grant = Grant.load(deps.secrets.get(mcp_token_secret(tenant_id, server.id), fresh=True))
    except errors.NotFound:
        return "failed", "its tokens were already gone from Secret Manager: nothing to revoke"
    if not grant.authorization_server.get("revocation_endpoint"):
        return "not_offered", (
            "its authorization server offers no token revocation (RFC 7009): its tokens stay valid there "
            "until they expire; we deleted our copy"
        )
    try:
        if deps.authorizer is None:
            raise errors.PermanentError("revoking tokens is not configured here")
        deps.authorizer.revoke(server.url, grant, allowed_urls(deps))
    except (ValueError, errors.PermanentError, errors.TransientError, errors.Unauthenticated) as exc:
        why = str(exc)[:300]
        log.warning(
            "mcp: revoking the tokens of %s failed: %s",
            server.id,
            why,
            extra={"fields": {"event": "mcp_revocation_failed", "tenant": tenant_id, "server": server.id}},
        )
        return "failed", (
            f"revoking its tokens failed ({why}): they stay valid at its authorization server until they "
            "expire; we deleted our copy"
        )
    log.info("mcp: the tokens of %s were revoked", server.id)
    return "revoked", ""


def resume_server(tenant_id: str, ident: str, deps: Connecting) -> dict[str, Any]:
    """Resume a paused server (an admin's action): its tools offered and called again, its failures
    back to 0; the server's view. Resuming one that is not paused changes nothing but the count."""
    if not deps.servers.resume(tenant_id, ident):
        raise errors.NotFound(f"no MCP server {ident[:40]!r} is connected")
    server = deps.servers.get(tenant_id, ident)
    if server is None:
        raise errors.NotFound(f"no MCP server {ident[:40]!r} is connected")
    return view(server)


def forget_servers(tenant_id: str, deps: Connecting) -> int:
    """Forget every server of the tenant, each token first (an OAuth server's revoked where offered,
    a failure logged), and every connect in progress (a workspace's erasure): how many servers."""
    servers = deps.servers.list(tenant_id)
    for server in servers:
        if server.auth == "oauth":
            _revoked(tenant_id, server, deps)
        deps.secrets.delete(mcp_token_secret(tenant_id, server.id))
        _forget_pending(tenant_id, server.id, deps)
        deps.servers.delete(tenant_id, server.id)
    for ident in deps.servers.pending(tenant_id):
        _forget_pending(tenant_id, ident, deps)
    return len(servers)


def forget_expired(tenant_id: str, deps: Connecting) -> int:
    """Forget the tenant's connects in progress whose time is over (their secret, then their note):
    how many. Their state has expired too, so no callback could use them."""
    now = deps.now()
    expired = [ident for ident, until in deps.servers.pending(tenant_id).items() if until <= now]
    for ident in expired:
        _forget_pending(tenant_id, ident, deps)
    return len(expired)


def _forget_pending(tenant_id: str, ident: str, deps: Connecting) -> None:
    """A connect in progress forgotten: its secret first (the note is how an erasure finds it)."""
    deps.secrets.delete(pending_secret(tenant_id, ident))
    deps.servers.drop_pending(tenant_id, ident)


def allowed_urls(deps: Connecting) -> Callable[[str], None]:
    """A check of each URL a server names for OAuth: https (or the local loopback), a public host
    by name and by what it resolves to; a ValueError saying why otherwise."""

    def check(where: str) -> None:
        try:
            _, host = checked_url(where, deps.allow_loopback)
        except ValueError as exc:
            raise ValueError(
                f"the server names {where[:120]!r} for OAuth: {str(exc).removeprefix('url: ')}"
            ) from None
        if why := resolved_problem(host, deps.client.addresses(host), deps.allow_loopback):
            raise ValueError(f"the server names {where[:120]!r} for OAuth: {why.removeprefix('url: ')}")

    return check


def view(server: McpServer) -> dict[str, Any]:
    """What the api shows of a server: no token, whether it is paused (and why), its tools with
    whether each is read-only."""
    return {
        "id": server.id,
        "name": server.name,
        "url": server.url,
        "auth": server.auth,
        "added_at": server.added_at.isoformat(),
        "listed_at": server.listed_at.isoformat(),
        "failures": server.failures,
        "paused_at": server.paused_at.isoformat() if server.paused_at else None,
        "paused_why": server.paused_why,
        "tools_changed_at": server.tools_changed_at.isoformat() if server.tools_changed_at else None,
        "tools": [
            {
                "name": t.name,
                "description": t.description,
                "input_schema": t.input_schema,
                "read_only": t.read_only,
                "idempotent": t.idempotent,
            }
            for t in server.tools
        ],
    }
