"""Integrations: ``GET /integrations``, ``PUT /integrations/<name>`` with ``{"token": ...}`` (checked
with GitHub, Vercel or Slack, then stored in Secret Manager, never echoed) and
``DELETE /integrations/<name>``. A PUT and a DELETE at once end agreeing (connected with its token, or
disconnected without); a PUT that a DELETE overtook answers 409 (shared.team.services.integrations).
Slack's token also links its Slack team to the workspace, so the team's events reach it
(shared.slack.services.install: ``connect_slack``); another workspace's team is a 409, nothing stored.
Slack's app is also installed with Slack's OAuth v2 (functions.routes.slack_api.install)."""

from datetime import UTC, datetime

from functions._http import Reply, json_object
from functions.routes import Call
from shared.platform.errors import InvalidInput
from shared.slack.services.install import connect_slack, disconnect_slack
from shared.team.services.integrations import (
    connect_integration,
    disconnect_integration,
    integration_of,
    list_integrations,
)
from shared.workspace.domain.integrations import Integration

_BODY = 'the body must be a JSON object {"token": "..."}'


def get_integrations(call: Call) -> Reply:
    """The workspace's integrations; Connect Google's offer and the agents' mailboxes; with people's
    calendars (decision 0193), each member's."""
    c, s = call.container, call.container.settings
    answer = list_integrations(call.tenant_id, c.workspace.tenants)
    mailboxes = [
        {k: getattr(m, k) for k in ("address", "agent_id", "connected_at", "watch_expires")}
        for m in (c.mail.mailboxes.of_tenant(call.tenant_id) if s.google_oauth_client_id else [])
    ]
    answer["google"] = {
        "configured": bool(s.google_oauth_client_id),
        "mailboxes_offered": bool(s.google_oauth_client_id and s.mail_topic),
        "calendars_offered": bool(s.google_oauth_client_id and s.calendar_push_address),
        "mailboxes": mailboxes,
    }
    if s.google_oauth_client_id and s.calendar_push_address:
        from shared.calendar.services.intake import calendars_of

        tenant = c.workspace.tenants.get(call.tenant_id)
        team = [(m.member_id, m.email) for m in tenant.team()] if tenant else []
        shown = calendars_of(team, c.calendar.calendar_links, call.tenant_id)
        emails = dict(team)
        answer["calendars"] = [
            p | {"email": emails.get(p["member_id"], ""), "yours": p["member_id"] == call.member_id}
            for p in shown
        ]
    return answer, 200


def put_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    body = json_object(call.request, _BODY)
    if set(body) != {"token"}:
        raise InvalidInput(_BODY, ["token"])
    c = call.container
    if integration is Integration.SLACK:
        return connect_slack(
            call.tenant_id, body["token"], call.member_id, c.slack.linking(), now=datetime.now(UTC)
        ), 200
    # The adapter is built (and its module imported) on this first PUT, not at the api's cold start.
    account = c.account_checker(integration)
    connected = connect_integration(
        call.tenant_id, integration, body["token"], c.workspace.tenants, c.platform.secrets, account=account
    )
    return connected, 200


def delete_integration(call: Call) -> Reply:
    integration = integration_of(call.args["name"])
    c = call.container
    if integration is Integration.SLACK:
        return disconnect_slack(call.tenant_id, c.slack.linking()), 200
    return disconnect_integration(call.tenant_id, integration, c.workspace.tenants, c.platform.secrets), 200
