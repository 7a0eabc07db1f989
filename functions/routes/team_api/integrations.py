"""Integrations: ``GET /integrations``, ``PUT /integrations/<name>`` with ``{"token": ...}`` (checked
with GitHub, Vercel or Slack, then stored in Secret Manager, never echoed) and
``DELETE /integrations/<name>``. A PUT and a DELETE at once end agreeing (connected with its token, or
disconnected without); a PUT that a DELETE overtook answers 409 (shared.team.services.integrations)."""

from functions._http import Reply, json_object
from functions.routes import Call
from shared.platform.errors import InvalidInput
from shared.team.services.integrations import (
    connect_integration,
    disconnect_integration,
    integration_of,
    list_integrations,
)

_BODY = 'the body must be a JSON object {"token": "..."}'


def get_integrations(call: Call) -> Reply:
    return list_integrations(call.tenant_id, call.container.workspace.tenants), 200


def put_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    body = json_object(call.request, _BODY)
    if set(body) != {"token"}:
        raise InvalidInput(_BODY, ["token"])
    c = call.container
    # The adapter is built (and its module imported) on this first PUT, not at the api's cold start.
    account = c.account_checker(integration)
    connected = connect_integration(
        call.tenant_id, integration, body["token"], c.workspace.tenants, c.platform.secrets, account=account
    )
    return connected, 200


def delete_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    c = call.container
    return disconnect_integration(call.tenant_id, integration, c.workspace.tenants, c.platform.secrets), 200
