"""An agent's MCP tool policies: ``GET /mcp/policies/<agent_id>`` (every connected tool with the
agent's policy and what it promises about once) and ``PUT /mcp/policies/<agent_id>`` with
``{"server", "tool", "policy"}`` (shared.mcp.services.policies). An unknown agent is a 404."""

from functions._http import Reply, json_object
from functions.routes import Call
from shared.agents.services.agents import agent_of
from shared.mcp.services.policies import agent_policies, set_policy

_BODY = 'the body must be a JSON object {"server": "...", "tool": "...", "policy": "off" | "ask" | "allowed"}'


def get_policies(call: Call) -> Reply:
    c, agent_id = call.container, call.args["agent_id"]
    agent_of(call.tenant_id, agent_id, c.agents.agents)
    return agent_policies(call.tenant_id, agent_id, c.mcp.mcp_servers, c.mcp.mcp_policies), 200


def put_policy(call: Call) -> Reply:
    c, agent_id = call.container, call.args["agent_id"]
    body = json_object(call.request, _BODY)
    agent_of(call.tenant_id, agent_id, c.agents.agents)
    return set_policy(call.tenant_id, agent_id, body, c.mcp.mcp_servers, c.mcp.mcp_policies), 200
