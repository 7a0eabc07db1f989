"""Slack's interactivity route: ``POST /slack/interactions``, the Interactivity URL of the deployment's
Slack app, where a press of an approval's button arrives. Public: each request is signed with the
app's signing secret, checked before anything is read (docs/slack.md)."""

from functions._http import Reply, read_body
from functions.routes import Call
from shared.platform.errors import NotFound
from shared.slack.services.interactions import press


def post_interactions(call: Call) -> Reply:
    """200 with ``result`` (shared.slack.services.interactions.press). 401: Slack did not sign it
    (or signed it over five minutes ago). 400: no press of an approval's button. 404: this
    deployment has no Slack app, or the team installed it for no workspace. 413: past the limit."""
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    try:
        intake = call.container.slack_intake()
    except NotFound:
        raise NotFound("this deployment has no Slack app set up (docs/slack.md)") from None
    return press(body, dict(call.request.headers), intake, call.container.engine(with_model=False)), 200
