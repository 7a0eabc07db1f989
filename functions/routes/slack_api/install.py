"""Installing the deployment's Slack app from the console (docs/slack.md, decision 0182). ``POST
/slack/install`` answers Slack's authorize URL; ``GET /slack/oauth/callback`` (the redirect URL
registered with the app) takes the person back, connects Slack and sends the browser to the console."""

from flask import Response

from functions._http import Reply
from functions.routes import Call
from shared.slack.services.oauth import begin_install, complete_install


def post_install(call: Call) -> Reply:
    """200 with Slack's authorize URL for this person and workspace (10 minutes); 409 when the
    deployment has no Slack app to install."""
    return begin_install(call.tenant_id, call.member_id, call.container.slack.oauth()), 200


def get_callback(call: Call) -> Reply:
    """303 to the console, the outcome in its fragment; 400 for a state or code that does not hold
    (nothing stored), 409 for a Slack team another workspace linked."""
    args = {k: v for k, v in call.request.args.items() if k in ("state", "code", "error")}
    location = complete_install(call.tenant_id, call.member_id, args, call.container.slack.oauth())
    return Response(
        status=303,
        headers={"Location": location, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
