"""The api's routes of the MCP capability (shared.mcp): the remote MCP servers a workspace connects,
their tools, and each agent's policy of each tool; an admin's (docs/api.md). And ``POST /mcp``, the
product as an MCP server for a person's MCP client (``serve``, decision 0186). The table
(functions.routes.table) lists them where :data:`MCP_ROUTES` stands."""

from typing import Any

from functions.routes import Handler, Route
from functions.routes.mcp_api import policies, serve, servers
from functions.routes.rows import MOVED, Tag

_mcp = Tag("mcp", session_only=True)
_M = "mcp_api.models."
_SERVER = {"path": _M + "McpServerPath", "refusals": (404,)}
_AGENT = {"path": _M + "McpAgentPath", "refusals": (404,)}

# (method and path, handler, its words in the contract, its answer's model, the rest of its row)
_ROWS: tuple[tuple[str, Handler, str, str, dict[str, Any]], ...] = (
    (
        "GET /mcp/servers",
        servers.get_servers,
        "The connected MCP servers and their tools (no token)",
        "McpServerList",
        {},
    ),
    (
        "POST /mcp/servers",
        servers.post_server,
        "Connect a remote MCP server: its URL checked, its tools listed with the token and checked, "
        "the token kept in Secret Manager",
        "McpServerView",
        {"body": _M + "McpServerConnect", "refusals": (503,)},
    ),
    (
        "POST /mcp/servers/oauth",
        servers.post_oauth,
        "Start connecting a remote MCP server that asks for OAuth (the MCP authorization specification): "
        "its authorization server discovered, a client registered (or the one given by hand), the "
        "authorization URL with PKCE answered",
        "McpOAuthStarted",
        {"body": _M + "McpOAuthConnect", "refusals": (503,)},
    ),
    (
        "DELETE /mcp/servers/<server_id>",
        servers.delete_server,
        "Disconnect an MCP server: its OAuth tokens revoked where its server offers that, its secrets "
        "deleted, its record forgotten",
        "McpServerRemoved",
        _SERVER,
    ),
    (
        "POST /mcp/servers/<server_id>/resume",
        servers.resume,
        "Resume an MCP server paused after failed calls in a row: its tools offered and called again",
        "McpServerView",
        _SERVER,
    ),
    (
        "GET /mcp/policies/<agent_id>",
        policies.get_policies,
        "An agent's policy of each connected MCP tool (off, ask, allowed) and what each promises about once",
        "McpPolicies",
        _AGENT,
    ),
    (
        "PUT /mcp/policies/<agent_id>",
        policies.put_policy,
        "Set an agent's policy of one MCP tool: off, ask (each call approved) or allowed",
        "McpPolicies",
        _AGENT | {"body": _M + "McpPolicyChange"},
    ),
)

MCP_ROUTES: list[Route] = [
    *(
        _mcp(where, handler, words, {200: _M + answer}, role="admin", **rest)
        for where, handler, words, answer, rest in _ROWS
    ),
    _mcp(
        "GET /mcp/oauth/callback",
        servers.get_oauth_callback,
        "The MCP server's authorization redirect: the state checked and used, the code exchanged with "
        "PKCE's verifier, the tools listed, the tokens kept in Secret Manager; the browser sent to the console",
        MOVED,
        role="admin",
        paced=False,
        query=_M + "McpOAuthCallbackQuery",
        refusals=(400, 503),
    ),
    # A person's MCP client, with an API key (or a session): each tool holds to its own route's
    # scope and role (workspace_tools.ACCESS); the endpoint itself needs only to read.
    Tag("mcp")(
        "POST /mcp",
        serve.post_mcp,
        "The workspace as an MCP server (streamable HTTP, stateless, JSON answers): ask, search, list "
        "agents, start and follow runs, decide their requests, within the caller's reach and scopes",
        {200: _M + "McpAnswer", 202: ""},
        body=_M + "McpMessage",
        role="viewer",
    ),
]
