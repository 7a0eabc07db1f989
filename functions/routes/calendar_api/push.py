"""Google Calendar's push route: ``POST /calendar/push``, the address of every calendar's channel.
Public: each notification carries its channel's token, checked before anything is read or recorded
(docs/calendar.md, decision 0193)."""

from functions._http import Reply, read_body
from functions.routes import Call
from shared.calendar.services.intake import receive


def post_push(call: Call) -> Reply:
    """200 with ``result`` (shared.calendar.services.intake.receive): Google takes any 2xx as delivered.
    401: no channel token. 403: a token not the channel's. 400: headers that are no notification.
    404: this deployment connects no calendars. 413: past the body limit."""
    read_body(call.request, call.container.settings.webhook_max_body_bytes)  # Google sends none
    return receive(dict(call.request.headers), call.container.calendar_intake()), 200
