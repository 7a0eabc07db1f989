"""Linear's and GitLab's OAuth connect routes (docs/api.md). ``POST /sync/<tool>/oauth`` answers the
tool's authorize URL. ``GET /sync/<tool>/oauth/callback`` (the redirect URI registered with the
tool's app) takes the person back, connects, and sends the browser to the console."""

from flask import Response

from functions._http import Reply, json_object
from functions.routes import Call
from shared.sync.domain.connection import Tool
from shared.sync.services.oauth import begin_oauth, complete_oauth

_BODIES: dict[Tool, str] = {
    "linear": 'the body must be a JSON object {"team_id": "...", "data_source_id": "..."?}',
    "gitlab": 'the body must be a JSON object {"project": "group/project" or its id, "data_source_id": "..."?}',
}


def _start(call: Call, tool: Tool) -> Reply:
    body = json_object(call.request, _BODIES[tool])
    return begin_oauth(
        call.tenant_id, call.member_id, tool, body, call.container.sync.oauth_connecting(tool)
    ), 200


def _callback(call: Call, tool: Tool) -> Reply:
    args = {k: v for k, v in call.request.args.items() if k in ("state", "code", "error")}
    location = complete_oauth(
        call.tenant_id, call.member_id, tool, args, call.container.sync.oauth_connecting(tool)
    )
    return Response(
        status=303,
        headers={"Location": location, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


def post_linear(call: Call) -> Reply:
    return _start(call, "linear")


def get_linear_callback(call: Call) -> Reply:
    return _callback(call, "linear")


def post_gitlab(call: Call) -> Reply:
    return _start(call, "gitlab")


def get_gitlab_callback(call: Call) -> Reply:
    return _callback(call, "gitlab")
