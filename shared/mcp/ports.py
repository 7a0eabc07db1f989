"""What the MCP capability needs of the outside: where connected servers are kept, and a remote
server spoken to through the MCP SDK's client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shared.mcp.domain.policy import Policy
    from shared.mcp.domain.servers import McpServer


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


class McpPolicies(Protocol):
    """``tenants/{t}/mcp_policies/{agent}``: what an owner set, per agent, for each MCP tool (by
    :func:`~shared.mcp.domain.policy.policy_key`); a tool not in it has its default."""

    def of(self, tenant_id: str, agent_id: str) -> dict[str, Policy]:
        """The policies set for the agent's tools, by key."""
        ...

    def set(self, tenant_id: str, agent_id: str, key: str, policy: Policy) -> None:
        """Set one tool's policy for the agent (atomically: another tool's, set at once, is kept)."""
        ...


class McpClient(Protocol):
    """A remote MCP server over streamable HTTP, each call a session of its own (initialize, then the
    request), the header token sent as ``Authorization: Bearer``."""

    def addresses(self, host: str) -> list[str]:
        """The addresses ``host`` resolves to (none when it does not)."""
        ...

    def list_tools(self, url: str, token: str) -> list[dict[str, Any]]:
        """Every tool the server lists (all pages), each as MCP writes it (``name``, ``description``,
        ``inputSchema``, ``annotations``). Unauthenticated for a token the server refuses,
        PermanentError for an answer that is no MCP, TransientError for an unreachable server."""
        ...

    def call_tool(
        self, url: str, token: str, name: str, arguments: dict[str, Any], *, timeout_s: float, key: str = ""
    ) -> dict[str, Any]:
        """One ``tools/call``: ``{"is_error", "text", "cut"}`` (its text contents joined, cut past a
        bound). ``key`` rides in the request's ``_meta`` for a server that de-duplicates by it. A call
        that takes longer than ``timeout_s`` raises TransientError after the server may have acted."""
        ...
