"""``oauth-callback``: Notion's redirect after a person connects a workspace (HTTPS GET, public).

The state must be genuine, unexpired, unused and issued to this browser (the nonce cookie set by
``GET /connect``); otherwise 400 and nothing is stored. On success, or on Notion's
``error=access_denied``, the browser is redirected (302) to the frontend with the outcome in the URL
fragment; the nonce cookie is cleared either way. A connect that is refused after Notion granted it
(``connected_by_another_user``: the workspace is connected by another member; ``connection_changed``:
a disconnect or someone else's connect landed meanwhile) is redirected the same way, with ``error``
and a ``reason`` to show (see :mod:`shared.services.connect`).
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
