"""The MCP capability's stores in memory (``tenants/{t}/mcp_servers``, ``…/mcp_policies``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.mcp.domain.policy import Policy
from shared.mcp.domain.servers import McpServer, McpTool, outcome_fields
from shared.mcp.ports import McpPolicies, McpServers


@dataclass
class FakeMcpServers(McpServers):
    """Connected servers by tenant, then id."""

    kept: dict[str, dict[str, McpServer]] = field(default_factory=dict)
    pendings: dict[str, dict[str, datetime]] = field(default_factory=dict)

    def put_pending(self, tenant_id: str, server_id: str, expires_at: datetime) -> None:
        self.pendings.setdefault(tenant_id, {})[server_id] = expires_at

    def pending(self, tenant_id: str) -> dict[str, datetime]:
        return dict(self.pendings.get(tenant_id, {}))

    def drop_pending(self, tenant_id: str, server_id: str) -> None:
        self.pendings.get(tenant_id, {}).pop(server_id, None)

    def put(self, tenant_id: str, server: McpServer) -> None:
        self.kept.setdefault(tenant_id, {})[server.id] = server

    def get(self, tenant_id: str, server_id: str) -> McpServer | None:
        return self.kept.get(tenant_id, {}).get(server_id)

    def list(self, tenant_id: str) -> list[McpServer]:
        return sorted(self.kept.get(tenant_id, {}).values(), key=lambda s: s.id)

    def delete(self, tenant_id: str, server_id: str) -> None:
        self.kept.get(tenant_id, {}).pop(server_id, None)

    def _change(self, tenant_id: str, server_id: str, **fields: object) -> bool:
        current = self.get(tenant_id, server_id)
        if current is not None:
            self.put(tenant_id, current.model_copy(update=fields))
        return current is not None

    def outcome(self, tenant_id: str, server_id: str, ok: bool, pause_after: int, now: datetime) -> bool:
        current = self.get(tenant_id, server_id)
        fields = outcome_fields(current, ok, pause_after, now) if current is not None else {}
        self._change(tenant_id, server_id, **fields)
        return "paused_at" in fields

    def resume(self, tenant_id: str, server_id: str) -> bool:
        return self._change(tenant_id, server_id, failures=0, paused_at=None, paused_why="")

    def tools_changed(self, tenant_id: str, server_id: str, now: datetime) -> None:
        self._change(tenant_id, server_id, tools_changed_at=now)

    def relisted(
        self, tenant_id: str, server_id: str, tools: Sequence[McpTool], now: datetime, seen: datetime | None
    ) -> None:
        current = self.get(tenant_id, server_id)
        if current is not None:
            cleared = current.tools_changed_at == seen
            changed = None if cleared else current.tools_changed_at
            self._change(tenant_id, server_id, tools=list(tools), listed_at=now, tools_changed_at=changed)


@dataclass
class FakeMcpPolicies(McpPolicies):
    """Policies by tenant, then agent, then ``<server>/<tool>``."""

    kept: dict[tuple[str, str], dict[str, Policy]] = field(default_factory=dict)

    def of(self, tenant_id: str, agent_id: str) -> dict[str, Policy]:
        return dict(self.kept.get((tenant_id, agent_id), {}))

    def set(self, tenant_id: str, agent_id: str, key: str, policy: Policy) -> None:
        self.kept.setdefault((tenant_id, agent_id), {})[key] = policy
