"""The MCP capability's stores in memory (``tenants/{t}/mcp_servers``, ``…/mcp_policies``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.mcp.domain.policy import Policy
from shared.mcp.domain.servers import McpServer
from shared.mcp.ports import McpPolicies, McpServers


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


@dataclass
class FakeMcpPolicies(McpPolicies):
    """Policies by tenant, then agent, then ``<server>/<tool>``."""

    kept: dict[tuple[str, str], dict[str, Policy]] = field(default_factory=dict)

    def of(self, tenant_id: str, agent_id: str) -> dict[str, Policy]:
        return dict(self.kept.get((tenant_id, agent_id), {}))

    def set(self, tenant_id: str, agent_id: str, key: str, policy: Policy) -> None:
        self.kept.setdefault((tenant_id, agent_id), {})[key] = policy
