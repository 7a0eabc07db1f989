"""``api``: the HTTPS API frontends call, with the tenant's session (``Authorization: Bearer``).

Routes live in ``functions/routes/`` (one module per concern); this module only matches the path,
authenticates the session for non-public routes and hands over.
"""

from flask import Request, Response
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Map, Rule

from functions import _cors
from functions._http import Reply, handle
from functions.routes import Call, Route, approvals, connection, integrations, notifications, runs, settings
from shared import bootstrap
from shared.errors import NotFound
from shared.logs import add_labels
from shared.services import sessions

bootstrap.preload("store", "queue", "secrets", "tenants", "oauth_states", "notion_oauth", "notifications")

_ALL: list[Route] = [
    *runs.ROUTES,
    *approvals.ROUTES,
    *connection.ROUTES,
    *settings.ROUTES,
    *notifications.ROUTES,
    *integrations.ROUTES,
]
_BY_ENDPOINT = {f"{r.path} {','.join(r.methods)}": r for r in _ALL}
_MAP = Map([Rule(r.path, endpoint=key, methods=list(r.methods)) for key, r in _BY_ENDPOINT.items()])
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def api(request: Request) -> Response:
    frontend_url = bootstrap.container().settings.frontend_url
    if request.method == "OPTIONS":
        return _cors.preflight(request, frontend_url)

    def call() -> Reply:
        try:
            endpoint, args = _MAP.bind_to_environ(request.environ).match()
        except NoRoute as exc:
            raise NotFound(f"no such endpoint: {request.method} {request.path}") from exc
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            return {"error": "method_not_allowed", "reason": f"use {allowed} here"}, 405
        route = _BY_ENDPOINT[str(endpoint)]
        tenant_id = ""
        if not route.public:
            secrets = bootstrap.container().secrets
            tenant_id = sessions.tenant_of(request.headers.get("Authorization", ""), secrets)
            add_labels(tenant=tenant_id)
        return route.handler(Call(request=request, args=dict(args), tenant_id=tenant_id))

    return _cors.allow(request, handle(request, _METHODS, call), frontend_url)
