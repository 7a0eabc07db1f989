"""What the MCP capability needs of the outside: where connected servers are kept, and a remote
server spoken to through the MCP SDK's client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from shared.mcp.domain.oauth import Grant, Pending
    from shared.mcp.domain.policy import Policy
    from shared.mcp.domain.servers import McpServer, McpTool


class McpServers(Protocol):
    """``tenants/{t}/mcp_servers/{id}``: a tenant's connected servers (no token)."""

    def put(self, tenant_id: str, server: McpServer) -> None:
        """Create or replace the server's record."""
        ...

    def get(self, tenant_id: str, server_id: str) -> McpServer | None: ...

    def list(self, tenant_id: str) -> list[McpServer]:
        """The tenant's servers, by id."""
        ...

    def delete(self, tenant_id: str, server_id: str) -> None:
        """Forget the server (nothing when it is not there)."""
        ...

    def outcome(self, tenant_id: str, server_id: str, ok: bool, pause_after: int, now: datetime) -> bool:
        """Count a call's outcome atomically: a success sets ``failures`` back to 0, a failure adds one
        and pauses the server (``paused_at``) when the run reaches ``pause_after``. True only for the
        failure that paused it (its notice is sent once); False for a server no longer there."""
        ...

    def resume(self, tenant_id: str, server_id: str) -> bool:
        """Unpause the server, its failures back to 0; False when it is not there."""
        ...

    def tools_changed(self, tenant_id: str, server_id: str, now: datetime) -> None:
        """Mark that the server said its tools changed (``tools_changed_at``); nothing when gone."""
        ...

    def relisted(
        self, tenant_id: str, server_id: str, tools: Sequence[McpTool], now: datetime, seen: datetime | None
    ) -> None:
        """Keep the tools as listed again at ``now``; ``tools_changed_at`` cleared unless the server
        said they changed again after ``seen`` (the mark the listing answered)."""
        ...

    def put_pending(self, tenant_id: str, server_id: str, expires_at: datetime) -> None:
        """Note an OAuth connect in progress (``tenants/{t}/mcp_pending/{id}``: when it expires, nothing
        secret), so an erasure or its expiry finds the secret it keeps; a new connect replaces it."""
        ...

    def pending(self, tenant_id: str) -> dict[str, datetime]:
        """The tenant's connects in progress: when each expires, by server id."""
        ...

    def drop_pending(self, tenant_id: str, server_id: str) -> None:
        """Forget the note of a connect in progress (nothing when there is none)."""
        ...


class McpPolicies(Protocol):
    """``tenants/{t}/mcp_policies/{agent}``: what an owner set, per agent, for each MCP tool (by
    :func:`~shared.mcp.domain.policy.policy_key`); a tool not in it has its default."""

    def of(self, tenant_id: str, agent_id: str) -> dict[str, Policy]:
        """The policies set for the agent's tools, by key."""
        ...

    def set(self, tenant_id: str, agent_id: str, key: str, policy: Policy) -> None:
        """Set one tool's policy for the agent (atomically: another tool's, set at once, is kept)."""
        ...


class OAuthSession(NamedTuple):
    """A server's OAuth grant (:class:`~shared.mcp.domain.oauth.Grant` as JSON) and where a refreshed
    one is kept (its secret, never created again once deleted)."""

    grant: str
    save: Callable[[str], None]


type Auth = str | OAuthSession  # a header token, or an OAuth grant


class McpClient(Protocol):
    """A remote MCP server over streamable HTTP, each call a session of its own (initialize, then the
    request). Its :data:`Auth` is a header token sent as ``Authorization: Bearer``, or an OAuth grant
    whose access token is refreshed when it has expired (the refreshed grant saved)."""

    def addresses(self, host: str) -> list[str]:
        """The addresses ``host`` resolves to (none when it does not)."""
        ...

    def list_tools(self, url: str, token: Auth) -> list[dict[str, Any]]:
        """Every tool the server lists (all pages), each as MCP writes it (``name``, ``description``,
        ``inputSchema``, ``annotations``). Unauthenticated for a token the server refuses,
        PermanentError for an answer that is no MCP, TransientError for an unreachable server."""
        ...

    def call_tool(
        self, url: str, token: Auth, name: str, arguments: dict[str, Any], *, timeout_s: float, key: str = ""
    ) -> dict[str, Any]:
        """One ``tools/call``: ``{"is_error", "text", "cut", "tools_changed", "cost_usd",
        "cost_unreadable"}`` (its text contents joined, cut past a bound; whether the server sent
        ``notifications/tools/list_changed`` in the session; what it billed: :func:`~shared.mcp.domain.billing.billed`). ``key`` rides in the request's ``_meta`` for a server that de-duplicates by it. A call
        that takes longer than ``timeout_s`` raises TransientError after the server may have acted."""
        ...


class McpAuthorizer(Protocol):
    """The MCP authorization specification's OAuth with a remote server's authorization server. Each
    URL the server names is given to ``allowed`` first, which raises ValueError to refuse it."""

    def discover(self, url: str, allowed: Callable[[str], None]) -> dict[str, Any]:
        """``{"resource", "authorization_server", "scope"}`` of a server asking for OAuth (metadata as
        JSON, ``resource`` None when it publishes none); PermanentError saying why otherwise."""
        ...

    def register(
        self,
        authorization_server: dict[str, Any],
        redirect_uri: str,
        scope: str | None,
        allowed: Callable[[str], None],
    ) -> dict[str, Any]:
        """The client registered for us (RFC 7591) as JSON; PermanentError when it cannot be."""
        ...

    def exchange(
        self, server_url: str, pending: Pending, code: str, allowed: Callable[[str], None]
    ) -> dict[str, Any]:
        """The tokens for ``code`` and the pending connect's PKCE verifier; Unauthenticated when the
        authorization server refuses the code."""
        ...

    def revoke(self, server_url: str, grant: Grant, allowed: Callable[[str], None]) -> None:
        """Revoke the grant's tokens at its authorization server's ``revocation_endpoint`` (RFC 7009);
        PermanentError when it refuses, TransientError when it cannot be reached."""
        ...
