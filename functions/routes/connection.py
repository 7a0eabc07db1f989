"""Connection: start connecting a workspace (``GET /connect``, public) and disconnect it."""

from flask import Response

from functions._http import Reply, reply
from functions.routes import Call
from shared import bootstrap
from shared.domain.connection import NONCE_COOKIE
from shared.services.connect import Connecting, begin_connect, disconnect
from shared.services.humans import cancel_held
from shared.services.wiring import engine_deps


def _deps() -> Connecting:
    c = bootstrap.container()
    return Connecting(c.settings, c.secrets, c.oauth_states, c.tenants, c.notion_oauth)


def start_connect(call: Call) -> Reply:
    deps = _deps()
    start = begin_connect(deps)
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
    runs = engine_deps(bootstrap.container(), with_model=False)
    return disconnect(call.tenant_id, _deps(), lambda tenant, why: cancel_held(runs, tenant, why)), 200
