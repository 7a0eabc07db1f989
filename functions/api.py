"""``api``: the HTTPS API frontends call, with the tenant's session (``Authorization: Bearer``)."""

from typing import Any

from flask import Request, Response
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Map, Rule

from functions._http import Reply, handle
from shared import bootstrap
from shared.errors import NotFound
from shared.logs import add_labels
from shared.services import runs, sessions

bootstrap.preload("store", "secrets")

_ROUTES = Map([Rule("/runs/<run_id>", endpoint="get_run", methods=["GET"])])
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _get_run(tenant_id: str, run_id: str) -> Reply:
    return runs.timeline(tenant_id, run_id, bootstrap.container().store), 200


_ENDPOINTS: dict[str, Any] = {"get_run": _get_run}


def api(request: Request) -> Response:
    def call() -> Reply:
        try:
            endpoint, args = _ROUTES.bind_to_environ(request.environ).match()
        except NoRoute as exc:
            raise NotFound(f"no such endpoint: {request.method} {request.path}") from exc
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            return {"error": "method_not_allowed", "reason": f"use {allowed} here"}, 405
        c = bootstrap.container()
        tenant_id = sessions.tenant_of(request.headers.get("Authorization", ""), c.secrets)
        add_labels(tenant=tenant_id)
        result: Reply = _ENDPOINTS[str(endpoint)](tenant_id, **args)
        return result

    return handle(request, _METHODS, call)
