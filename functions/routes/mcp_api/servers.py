"""MCP servers: ``GET /mcp/servers``, ``POST /mcp/servers`` with ``{"name", "url", "token"}`` (the
server's tools listed with the token, checked, kept; the token in Secret Manager, never echoed).
``DELETE /mcp/servers/<server_id>`` (its OAuth tokens revoked where offered) and ``POST
/mcp/servers/<server_id>/resume`` (a paused server's tools offered again) (shared.mcp.services.connect).
``POST /mcp/servers/oauth`` with ``{"name", "url"}`` (and a client registered by hand: ``client_id``,
``client_secret``) answers the authorization URL; ``GET /mcp/oauth/callback`` (its redirect URI) takes
the person back, connects, and sends the browser to the console (shared.mcp.services.oauth)."""

from flask import Response

from functions._http import Reply, json_object
from functions.routes import Call
from shared.mcp.services.connect import add_server, list_servers, remove_server, resume_server

_BODY = 'the body must be a JSON object {"name": "...", "url": "https://...", "token": "..."}'


def get_servers(call: Call) -> Reply:
    return list_servers(call.tenant_id, call.container.mcp.connecting()), 200


def post_server(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return add_server(call.tenant_id, body, call.member_id, call.container.mcp.connecting()), 200


def delete_server(call: Call) -> Reply:
    return remove_server(call.tenant_id, call.args["server_id"], call.container.mcp.connecting()), 200


def resume(call: Call) -> Reply:
    return resume_server(call.tenant_id, call.args["server_id"], call.container.mcp.connecting()), 200


def post_oauth(call: Call) -> Reply:
    from shared.mcp.services.oauth import begin_oauth

    body = json_object(call.request, 'the body must be a JSON object {"name": "...", "url": "https://..."}')
    return begin_oauth(call.tenant_id, call.member_id, body, call.container.mcp.connecting()), 200


def get_oauth_callback(call: Call) -> Reply:
    from shared.mcp.services.oauth import complete_oauth

    args = {k: v for k, v in call.request.args.items() if k in ("state", "code", "error")}
    location = complete_oauth(call.tenant_id, call.member_id, args, call.container.mcp.connecting())
    return Response(
        status=303,
        headers={"Location": location, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
