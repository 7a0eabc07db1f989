"""Integrations: ``GET /integrations``, ``PUT /integrations/<name>`` with ``{"token": ...}`` (checked
with GitHub, Vercel or Slack, then stored in Secret Manager, never echoed) and
``DELETE /integrations/<name>``. A PUT and a DELETE at once end agreeing (connected with its token, or
disconnected without); a PUT that a DELETE overtook answers 409 (shared.team.services.integrations).
Slack's token also links its Slack team to the workspace, so the team's events reach it
(shared.slack.services.install); another workspace's team is a 409, nothing stored."""

from datetime import UTC, datetime

from functions._http import Reply, json_object
from functions.routes import Call
from shared.platform.errors import InvalidInput
from shared.slack.services.install import check_free, link_team, unlink_teams
from shared.team.services.integrations import (
    connect_integration,
    disconnect_integration,
    integration_of,
    list_integrations,
)
from shared.workspace.domain.integrations import Integration

_BODY = 'the body must be a JSON object {"token": "..."}'


def get_integrations(call: Call) -> Reply:
    return list_integrations(call.tenant_id, call.container.workspace.tenants), 200


def put_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    body = json_object(call.request, _BODY)
    if set(body) != {"token"}:
        raise InvalidInput(_BODY, ["token"])
    c = call.container
    if integration is Integration.SLACK and isinstance(body["token"], str):
        check_free(call.tenant_id, body["token"], c.slack.slack_installs, c.slack.slack_web)
    # The adapter is built (and its module imported) on this first PUT, not at the api's cold start.
    account = c.account_checker(integration)
    connected = connect_integration(
        call.tenant_id, integration, body["token"], c.workspace.tenants, c.platform.secrets, account=account
    )
    if integration is Integration.SLACK:  # checked by connect_integration: a token Slack took
        installs, web = c.slack.slack_installs, c.slack.slack_web
        link_team(call.tenant_id, body["token"], installs, web, now=datetime.now(UTC), by=call.member_id)
    return connected, 200


def delete_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    c = call.container
    if integration is Integration.SLACK:
        unlink_teams(call.tenant_id, c.slack.slack_installs)
    return disconnect_integration(call.tenant_id, integration, c.workspace.tenants, c.platform.secrets), 200
