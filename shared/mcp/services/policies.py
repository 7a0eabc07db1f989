"""An owner's policy of each MCP tool per agent: reading them with what each tool promises about
once, and setting one (a 400 naming what is wrong: an unknown agent, server, tool or policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.mcp.domain.policy import Policy, policy_key
from shared.mcp.domain.servers import SERVER_ID
from shared.mcp.services.calls import tool_views
from shared.platform import errors

if TYPE_CHECKING:
    from shared.mcp.ports import McpPolicies, McpServers

_FIELDS = ("server", "tool", "policy")


def agent_policies(
    tenant_id: str, agent_id: str, servers: McpServers, policies: McpPolicies
) -> dict[str, Any]:
    """``{agent_id, tools: [...]}``: every connected tool with the agent's policy of it."""
    set_now = policies.of(tenant_id, agent_id)
    tools = [view for server in servers.list(tenant_id) for view in tool_views(server, set_now)]
    return {"agent_id": agent_id, "tools": tools}


def set_policy(
    tenant_id: str, agent_id: str, body: dict[str, Any], servers: McpServers, policies: McpPolicies
) -> dict[str, Any]:
    """Set one tool's policy for the agent from ``body`` (``server``, ``tool``, ``policy``); the
    agent's policies after it."""
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise errors.InvalidInput(f"unknown fields {unknown}; send server, tool and policy", unknown)
    try:
        policy = Policy(str(body.get("policy")))
    except ValueError:
        raise errors.InvalidInput("policy: one of off, ask, allowed", ["policy"]) from None
    server_id, name = body.get("server"), body.get("tool")
    known = isinstance(server_id, str) and SERVER_ID.fullmatch(server_id) is not None
    server = servers.get(tenant_id, str(server_id)) if known else None  # no other string names a document
    if server is None:
        raise errors.InvalidInput("server: the id of a connected MCP server (GET /mcp/servers)", ["server"])
    if not any(t.name == name for t in server.tools):
        raise errors.InvalidInput(f"tool: a tool MCP server {server.id!r} lists", ["tool"])
    policies.set(tenant_id, agent_id, policy_key(server.id, str(name)), policy)
    return agent_policies(tenant_id, agent_id, servers, policies)
