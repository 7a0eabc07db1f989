"""``oauth-callback``: Notion's redirect after a person connects a workspace (HTTPS GET, public).

A state that is not genuine, unexpired, unused and this browser's is a 400 storing nothing. Else the
browser is redirected (302) to the frontend with the outcome in the fragment, ``error`` and a
``reason`` for a refusal (``access_denied``, ``connected_by_another_user``, ``connection_changed``);
the nonce cookie is cleared either way. See :mod:`shared.services.connect`.
"""

from flask import Request, Response

from functions._http import Reply, handle
from shared import bootstrap
from shared.bootstrap import Container
from shared.domain.connection import NONCE_COOKIE
from shared.services.connect import complete_connect

bootstrap.preload("tenants", "oauth_states", "secrets", "notion_oauth")


def oauth_callback(request: Request) -> Response:
    def call(c: Container) -> Reply:
        nonce = request.cookies.get(NONCE_COOKIE, "")
        target = complete_connect(request.args.to_dict(), nonce, c.connecting())
        headers = {"Location": target, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        response = Response(status=302, headers=headers)
        response.delete_cookie(NONCE_COOKIE, path="/")
        return response

    return handle(request, ("GET",), call)
