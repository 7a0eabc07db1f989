"""``api``: the HTTPS API frontends call, with the tenant's session or one of its API keys.

Routes live in ``functions/routes/`` (each module loaded with its route's first request). This module
matches the path (404 for none, 405 naming its methods), authenticates the session or key (a session
only for ``session_only`` routes), bounds the body (``JSON_BODY_LIMIT``), refuses a path id Firestore
would (400, ``shared.domain.ids``) and hands over.
"""

from typing import Literal

from flask import Request, Response

from functions import _cors
from functions._http import JSON_BODY_LIMIT, Reply, container_of, handle, read_body, reply
from functions.routes import ROUTES, Call, Router
from shared import bootstrap
from shared.bootstrap import Container
from shared.domain.ids import id_problem
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.logs import add_labels
from shared.services import sessions

# Every request authenticates (a session or an API key: secrets, tenants, api_keys); the other ports'
# adapters load with the routes that use them, the Google client libraries now. Notion's client
# (notion-client, httpx) loads with the few routes that call Notion (the home, the page picker, a
# disconnect's token revocation): following and deciding runs never does (decision 0023).
bootstrap.preload(
    "store",
    "queue",
    "secrets",
    "tenants",
    "oauth_states",
    "webhook_events",
    "notifications",
    "api_keys",
    adapters=("secrets", "tenants", "api_keys"),
)

ROUTER = Router(ROUTES)


def api(request: Request) -> Response:
    frontend_url = container_of().settings.frontend_url
    if request.method == "OPTIONS":
        return _cors.preflight(request, frontend_url)

    def call(c: Container) -> Reply:
        # HEAD is GET without the body (werkzeug drops it from the response)
        method = "GET" if request.method == "HEAD" else request.method
        route, args, allowed = ROUTER.match(request.path, method)
        if route is None:
            if not allowed:
                raise NotFound(f"no such endpoint: {request.method} {request.path}")
            reason = f"use {', '.join(allowed)} here"
            return reply(
                {"error": "method_not_allowed", "reason": reason}, 405, {"Allow": ", ".join(allowed)}
            )
        principal = sessions.Principal("")
        if not route.public:
            authorization = request.headers.get("Authorization", "")
            principal = sessions.principal_of(
                authorization, c.secrets, c.tenants, c.api_keys, session_only=route.session_only
            )
            add_labels(tenant=principal.tenant_id)
            if principal.scopes is not None and route.scope not in principal.scopes:
                raise Forbidden(f"this API key lacks the scope {route.scope!r}: make a key that has it")
        # Every body bounded before a route sees it, also by those that look at it with get_data().
        read_body(request, JSON_BODY_LIMIT)
        for name, value in args.items():  # an id in the path names a document: none Firestore refuses
            if name.endswith("_id") and (problem := id_problem(value)):
                raise InvalidInput(f"{name}: {problem}", [name])
        via: Literal["session", "key"] = "session" if principal.scopes is None else "key"
        return route.handler(
            Call(request=request, args=args, tenant_id=principal.tenant_id, container=c, via=via)
        )

    # The router decides for every method: 404 for no such path, 405 naming the path's own methods.
    return _cors.allow(request, handle(request, None, call), frontend_url)
