"""Code integrations: ``GET /integrations``, ``PUT /integrations/<name>`` with ``{"token": ...}``
(checked with GitHub or Vercel, then stored in Secret Manager, never echoed) and
``DELETE /integrations/<name>``."""

from functions._http import Reply
from functions.routes import Call, Route
from shared import bootstrap
from shared.domain.integrations import Integration
from shared.errors import InvalidInput
from shared.services.integrations import (
    connect_integration,
    disconnect_integration,
    integration_of,
    list_integrations,
)


def get_integrations(call: Call) -> Reply:
    return list_integrations(call.tenant_id, bootstrap.container().tenants), 200


def put_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    body = call.request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"token"}:
        raise InvalidInput('the body must be a JSON object {"token": "..."}', ["token"])
    c = bootstrap.container()
    # The adapter is built (and its module imported) on this first PUT, not at the api's cold start.
    account = c.code_host.account if integration == Integration.GITHUB else c.deployer.account
    connected = connect_integration(
        call.tenant_id, integration, body["token"], c.tenants, c.secrets, account=account
    )
    return connected, 200


def delete_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    c = bootstrap.container()
    return disconnect_integration(call.tenant_id, integration, c.tenants, c.secrets), 200


ROUTES = [
    Route("/integrations", ("GET",), get_integrations),
    Route("/integrations/<name>", ("PUT",), put_integration),
    Route("/integrations/<name>", ("DELETE",), delete_integration),
]
