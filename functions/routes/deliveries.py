"""The one entry of the api's public webhook routes (GitHub's, Linear's, GitLab's). The path must name a
workspace id, the body be within the limit and a JSON object a route can read, the delivery id headers
be ids (:mod:`shared.platform.domain.deliveries`). Each route then checks its secret (404 when the
workspace has none: never set up, or erased), signature and fields. A refusal here records nothing:
404 for a path naming no workspace, 413 past the limit, 400 with the reason."""

from functions._http import read_body
from functions.routes import Call
from shared.platform.domain.deliveries import body_problem, header_problem
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import InvalidInput, NotFound


def checked_delivery(call: Call, name: str) -> tuple[str, bytes]:
    """``(tenant id, raw body)`` of a delivery to ``name``'s webhook (a tool's name, for the 404's
    words), checked as the module says; the raw body is what the route's signature covers."""
    tenant_id = call.args["tenant_id"]
    if not is_run_id(tenant_id):  # the same id form as a tenant's
        raise NotFound(f"no {name} webhook for this workspace")
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    problem = header_problem(call.request.headers.get) or body_problem(body)
    if problem:
        raise InvalidInput(f"{problem}; nothing was recorded")
    return tenant_id, body
