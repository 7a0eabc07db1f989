"""The api's routes of the MCP capability (shared.mcp): the remote MCP servers a workspace connects
and their tools, an admin's (docs/api.md). The table (functions.routes.table) lists them where
:data:`MCP_ROUTES` stands."""

from typing import Any

from functions.routes import Route
from functions.routes.mcp_api import policies, servers
from functions.routes.rows import Tag

_mcp = Tag("mcp", session_only=True)
_M = "mcp_api.models."

MCP_ROUTES: list[Route] = [
    _mcp(
        "GET /mcp/servers",
        servers.get_servers,
        "The connected MCP servers and their tools (no token)",
        {200: _M + "McpServerList"},
        role="admin",
    ),
    _mcp(
        "POST /mcp/servers",
        servers.post_server,
        "Connect a remote MCP server: its URL checked, its tools listed with the token and checked, "
        "the token kept in Secret Manager",
        {200: _M + "McpServerView"},
        body=_M + "McpServerConnect",
        refusals=(503,),
        role="admin",
    ),
    _mcp(
        "DELETE /mcp/servers/<server_id>",
        servers.delete_server,
        "Disconnect an MCP server: its token deleted, its record forgotten",
        {200: _M + "McpServerRemoved"},
        path=_M + "McpServerPath",
        refusals=(404,),
        role="admin",
    ),
    *(
        _mcp(
            f"{method} /mcp/policies/<agent_id>",
            handler,
            words,
            {200: _M + "McpPolicies"},
            path=_M + "McpAgentPath",
            refusals=(404,),
            role="admin",
            **more,
        )
        for method, handler, words, more in (
            # (method, handler, its words in the contract, its body if any)
            (
                "GET",
                policies.get_policies,
                "An agent's policy of each connected MCP tool (off, ask, allowed) and what each promises "
                "about once",
                dict[str, Any](),
            ),
            (
                "PUT",
                policies.put_policy,
                "Set an agent's policy of one MCP tool: off, ask (each call approved) or allowed",
                {"body": _M + "McpPolicyChange"},
            ),
        )
    ),
]
