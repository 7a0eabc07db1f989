"""What the MCP capability needs of the outside: where connected servers are kept, and a remote
server spoken to through the MCP SDK's client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
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
        self, url: str, token: str, name: str, arguments: dict[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        """One ``tools/call``: ``{"is_error": bool, "text": str}`` (its text contents joined). A call
        that takes longer than ``timeout_s`` raises TransientError after the server may have acted."""
        ...
