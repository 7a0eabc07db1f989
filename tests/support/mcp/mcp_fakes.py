"""The MCP capability's store in memory (``tenants/{t}/mcp_servers``), for the api's tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.mcp.domain.servers import McpServer
from shared.mcp.ports import McpServers


@dataclass
class FakeMcpServers(McpServers):
    """Connected servers by tenant, then id."""

    kept: dict[str, dict[str, McpServer]] = field(default_factory=dict)

    def put(self, tenant_id: str, server: McpServer) -> None:
        self.kept.setdefault(tenant_id, {})[server.id] = server

    def get(self, tenant_id: str, server_id: str) -> McpServer | None:
        return self.kept.get(tenant_id, {}).get(server_id)

    def list(self, tenant_id: str) -> list[McpServer]:
        return sorted(self.kept.get(tenant_id, {}).values(), key=lambda s: s.id)

    def delete(self, tenant_id: str, server_id: str) -> None:
        self.kept.get(tenant_id, {}).pop(server_id, None)
