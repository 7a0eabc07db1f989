"""Slack's slash command route: ``POST /slack/commands``, the Request URL of the app's ``/agent``
command. Public: each request is signed with the app's signing secret, checked before anything is read
or recorded (docs/slack.md)."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.slack_api.events import slack_request
from shared.slack.services.commands import command


def post_commands(call: Call) -> Reply:
    """200 with Slack's message answer (``response_type`` ephemeral and ``text``), within Slack's three
    seconds (shared.slack.services.commands.command). Refusals record nothing. 401: Slack did not sign
    it (or signed it over five minutes ago). 400: no slash command. 404: this deployment has no Slack
    app, or the team installed it for no workspace. 413: past the body limit."""
    body, intake = slack_request(call)
    return command(body, dict(call.request.headers), intake), 200
