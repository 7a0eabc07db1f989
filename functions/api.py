"""``api``: the HTTPS API the console calls with its session cookie, and scripts with an API key.

Routes live in ``functions/routes/``, their table in ``functions.routes.table``. This module
matches the path (404 for none, 405 naming its methods) and authenticates the Bearer session or key,
else the session cookie (a session only for ``session_only`` routes). It refuses a cookie's cross-site
change (403), bounds the body (``JSON_BODY_LIMIT``), refuses a path id Firestore would (400).
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from flask import Request, Response
from pydantic import ValidationError

from functions import _cors
from functions._http import (
    JSON_BODY_LIMIT,
    Reply,
    container_of,
    handle,
    read_body,
    reply,
    secured,
    set_session_cookie,
)
from functions.routes import Call, Route, Router
from functions.routes.table import ROUTES
from shared import bootstrap
from shared.bootstrap import Container
from shared.platform.domain.ids import id_problem
from shared.platform.errors import AgentError, Forbidden, InvalidInput, NotFound
from shared.platform.logs import add_labels
from shared.team.domain.audit import Surface
from shared.team.services import audit, sessions
from shared.workspace.domain.connecting.connection import session_cookie
from shared.workspace.domain.members import at_least, role_refusal

if TYPE_CHECKING:
    from shared.workspace.ports import TenantStore

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
    "invites",
    "paces",
    "webhook_events",
    "notifications",
    "api_keys",
    "agents",
    "audit",
    adapters=("secrets", "tenants", "api_keys", "paces"),
)

ROUTER = Router(ROUTES)
# What a cookie session must prove to be the console's (an Origin and its CSRF token) before it acts.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers that end the session (signing out, disconnecting) clear its cookie when they succeed.
ENDS_SESSION = frozenset({("DELETE", "/session"), ("DELETE", "/connection"), ("POST", "/workspace/erase")})
# Routes that erase the workspace, its audit log with it: a success is recorded in erasures/{t}
# instead (a refused attempt is audited as any other).
NOT_AUDITED = frozenset({("POST", "/workspace/erase")})


def api(request: Request) -> Response:
    frontend_url = container_of().settings.frontend_url
    if request.method == "OPTIONS":
        return secured(_cors.preflight(request, frontend_url))

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
        tenants = c.workspace.request_tenants()  # the tenant authentication reads is not read again
        principal = sessions.Principal("") if route.public else _principal(request, route, method, c, tenants)
        call = Call(
            request,
            args,
            principal.tenant_id,
            c,
            "session",
            tenants,
            principal.member,
            principal.key_id,
            principal.scopes,
        )
        answer = _audited(call, route, method, principal)
        if (method, route.path) not in ENDS_SESSION:
            return answer
        response = answer if isinstance(answer, Response) else reply(*answer)
        if response.status_code < 300:
            set_session_cookie(response, session_cookie(frontend_url), "", 0)
        return response

    # The router decides for every method: 404 for no such path, 405 naming the path's own methods.
    return _cors.allow(request, handle(request, None, call), frontend_url)


def _audited(call: Call, route: Route, method: str, principal: sessions.Principal) -> Reply:
    """The route's answer to a person (:func:`_answer`); a change a member made or tried is recorded
    in the audit log, with how it ended (the action and the path's ids, never the body)."""
    if route.public or method not in STATE_CHANGING or principal.member is None:
        return _answer(call, route, principal)
    status = 500
    try:
        answer = _answer(call, route, principal)
        status = answer.status_code if isinstance(answer, Response) else answer[1]
        return answer
    except AgentError as exc:
        status = exc.http_status
        raise
    except ValidationError:
        status = 400
        raise
    finally:
        if not ((method, route.path) in NOT_AUDITED and status < 300):
            _record(call, route, method, principal, status)


def _record(call: Call, route: Route, method: str, principal: sessions.Principal, status: int) -> None:
    """The audit log's entry of a change a member made or tried, with how it ended."""
    surface: Surface = "key" if principal.key_id else "console" if principal.csrf_token else "api"
    action = f"{method} {route.path}"
    now = datetime.now(UTC)
    tenant = call.tenants.get(call.tenant_id)
    audit.record(
        call.container.team.audit,
        tenant,
        principal.member,
        surface,
        action,
        now=now,
        target=call.args,
        status=status,
    )


def _answer(call: Call, route: Route, principal: sessions.Principal) -> Reply:
    """The handler's answer, once the person's role is the route's, the body bounded and the path's ids
    are ones Firestore takes."""
    # The route's one declaration (functions.routes.table). A session of a tenant without a document
    # names no member: it acts on nothing, and the services answer so (404, or an empty list).
    if principal.member is not None and not at_least(principal.role, route.role):
        raise Forbidden(role_refusal(principal.role, route.role))
    # Every body bounded before a route sees it, also by those that look at it with get_data().
    read_body(call.request, JSON_BODY_LIMIT)
    for name, value in call.args.items():  # an id in the path names a document: none Firestore refuses
        if name.endswith("_id") and (problem := id_problem(value)):
            raise InvalidInput(f"{name}: {problem}", [name])
    via: Literal["session", "key"] = "session" if principal.scopes is None else "key"
    return route.handler(call._replace(via=via))


def _principal(
    request: Request, route: Route, method: str, c: Container, tenants: "TenantStore"
) -> sessions.Principal:
    """Who the request acts as: its Bearer session or key, else the session cookie, whose changes must
    come from the console (its Origin, its CSRF token: 403 otherwise); a key needs the route's scope.
    The person (a key's too, with their role as held now) needs the route's role."""
    frontend_url = c.settings.frontend_url
    principal = sessions.principal_of(
        request.headers.get("Authorization", ""),
        c.platform.secrets,
        tenants,
        c.team.api_keys,
        session_only=route.session_only,
        cookie=request.cookies.get(session_cookie(frontend_url).name, ""),
    )
    add_labels(tenant=principal.tenant_id)
    if principal.csrf_token and method in STATE_CHANGING:  # no other site's page can send both
        _cors.check_same_origin(request, frontend_url)
        sessions.check_csrf_token(principal, request.headers.get("X-CSRF-Token", ""))
    if principal.scopes is not None and route.scope not in principal.scopes:
        raise Forbidden(f"this API key lacks the scope {route.scope!r}: make a key that has it")
    # Each person's and key's pace: 429 with Retry-After beyond it; not an OAuth redirect back (0236).
    if principal.member is not None and route.paced:
        c.platform.api_limits.admit(f"{principal.tenant_id}:{principal.member.member_id}", principal.key_id)
    return principal
