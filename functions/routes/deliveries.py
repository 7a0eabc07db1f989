"""The one entry of the api's public webhook routes (GitHub's, Linear's, GitLab's). The path must name a
workspace id and the body be within the limit; a delivery carrying its tool's signature header must
also have a JSON object a route can read and delivery id headers that are ids
(:mod:`shared.platform.domain.deliveries`). One without that header is left to the route, which refuses
it before reading its body (404 when the workspace has no secret: never set up, or erased; else 401).
A refusal here records nothing: 404 for a path naming no workspace, 413 past the limit, 400 with the
reason."""

from functions._http import read_body
from functions.routes import Call
from shared.code.domain import github_events as github
from shared.platform.domain.deliveries import body_problem, header_problem
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import InvalidInput, NotFound
from shared.sync.domain import gitlab_events, linear_events

# Each tool's header that signs (or, GitLab's, carries the token of) a delivery.
SIGNED_BY = {
    "GitHub": github.SIGNATURE_HEADER,
    "Linear": linear_events.SIGNATURE_HEADER,
    "GitLab": gitlab_events.TOKEN_HEADER,
}


def checked_delivery(call: Call, name: str) -> tuple[str, bytes]:
    """``(tenant id, raw body)`` of a delivery to ``name``'s webhook (a tool's name, for the 404's
    words), checked as the module says; the raw body is what the route's signature covers."""
    tenant_id = call.args["tenant_id"]
    if not is_run_id(tenant_id):  # the same id form as a tenant's
        raise NotFound(f"no {name} webhook for this workspace")
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    if not call.request.headers.get(SIGNED_BY[name], ""):
        return tenant_id, body  # the route refuses it unread: 404 for no secret, else 401
    problem = header_problem(call.request.headers.get) or body_problem(body)
    if problem:
        raise InvalidInput(f"{problem}; nothing was recorded")
    return tenant_id, body
