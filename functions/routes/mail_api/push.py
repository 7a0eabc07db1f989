"""Gmail's push route: ``POST /mail/push``, the push endpoint of the deployment's Pub/Sub subscription
to Gmail's notifications. Public: each request carries Pub/Sub's OIDC token, checked before anything is
read or recorded (docs/mail.md, decision 0219)."""

from functions._http import Reply, read_body
from functions.routes import Call
from shared.mail.services.intake import receive


def post_push(call: Call) -> Reply:
    """200 with ``result`` (shared.mail.services.intake.receive): Pub/Sub takes any 2xx as delivered.
    401: no OIDC token Google signed for this endpoint. 403: another identity's. 400: no Gmail
    notification. 404: this deployment takes no Gmail pushes. 413: past the body limit."""
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    return receive(body, dict(call.request.headers), call.container.mail_intake()), 200
