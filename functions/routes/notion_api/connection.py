"""Connection: start connecting a workspace (``GET /connect``, public) and disconnect it."""

from flask import Response

from functions._http import Reply, reply
from functions.routes import Call
from shared.notion.services.connect import begin_connect
from shared.notion.services.disconnect import disconnect
from shared.workspace.domain.connecting.connection import NONCE_COOKIE
from shared.workspace.domain.connecting.signup import INVITE_HEADER


def start_connect(call: Call) -> Reply:
    deps = call.container.connecting()
    start = begin_connect(deps, call.request.headers.get(INVITE_HEADER, "").strip())
    response: Response = reply({"authorize_url": start.authorize_url, "expires_in_s": start.expires_in_s})
    response.headers["Cache-Control"] = "no-store"
    samesite = deps.settings.connect_cookie_samesite
    response.set_cookie(
        NONCE_COOKIE,
        start.nonce,
        max_age=start.expires_in_s,
        path="/",
        httponly=True,
        secure=samesite == "None" or deps.settings.oauth_callback_url.startswith("https://"),
        samesite=samesite,
    )
    return response


def remove_connection(call: Call) -> Reply:
    c = call.container
    return disconnect(call.tenant_id, c.connecting(), c.stop_held_runs()), 200
