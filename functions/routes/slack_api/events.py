"""Slack's events route: ``POST /slack/events``, the Request URL of the deployment's Slack app. It is
public: each request is signed with the app's signing secret, checked before anything is read or
recorded (docs/slack.md, decision 0173)."""

from functions._http import Reply, read_body
from functions.routes import Call
from shared.platform.errors import NotFound
from shared.slack.services.events import SlackIntake, receive


def post_events(call: Call) -> Reply:
    """200 with the URL check's ``challenge``, or ``result`` and the run's id when one was queued
    (shared.slack.services.events.receive). Refusals record nothing. 401: Slack did not sign it (or
    signed it over five minutes ago). 400: the body is no event the app takes. 404: this deployment
    has no Slack app, or the team installed it for no workspace. 413: past the body limit."""
    body, intake = slack_request(call)
    return receive(body, dict(call.request.headers), intake), 200


def slack_request(call: Call) -> tuple[bytes, SlackIntake]:
    """The body Slack posted (413 past the limit) and what answering it needs (404 when this
    deployment has no Slack app)."""
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    try:
        return body, call.container.slack_intake()
    except NotFound:
        raise NotFound("this deployment has no Slack app set up (docs/slack.md)") from None
