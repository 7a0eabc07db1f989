"""MCP servers: ``GET /mcp/servers``, ``POST /mcp/servers`` with ``{"name", "url", "token"}`` (the
server's tools listed with the token, checked, kept; the token in Secret Manager, never echoed) and
``DELETE /mcp/servers/<server_id>``, ``POST /mcp/servers/<server_id>/resume`` (a paused server's
tools offered and called again) (shared.mcp.services.connect)."""

from functions._http import Reply, json_object
from functions.routes import Call
from shared.mcp.services.connect import add_server, list_servers, remove_server, resume_server

_BODY = 'the body must be a JSON object {"name": "...", "url": "https://...", "token": "..."}'


def get_servers(call: Call) -> Reply:
    return list_servers(call.tenant_id, call.container.mcp.mcp_servers), 200


def post_server(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return add_server(call.tenant_id, body, call.member_id, call.container.mcp.connecting()), 200


def delete_server(call: Call) -> Reply:
    return remove_server(call.tenant_id, call.args["server_id"], call.container.mcp.connecting()), 200


def resume(call: Call) -> Reply:
    return resume_server(call.tenant_id, call.args["server_id"], call.container.mcp.connecting()), 200
