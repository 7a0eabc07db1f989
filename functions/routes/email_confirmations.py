"""Signed links confirming a notification_email (public: the link's signed token authenticates).

``GET /email-confirmations/<token>`` says what the link would do and changes nothing (mail scanners
follow links); ``POST /email-confirmations/<token>`` confirms the address, if it is still the
workspace's notification_email (else 409).
"""

from datetime import UTC, datetime

from functions._http import Reply
from functions.routes import Call, Route
from shared import bootstrap
from shared.services import email_confirmation


def show(call: Call) -> Reply:
    container = bootstrap.container()
    return email_confirmation.describe(call.args["token"], container.tenants, container.secrets), 200


def confirm(call: Call) -> Reply:
    container = bootstrap.container()
    now = datetime.now(UTC)
    return email_confirmation.confirm(call.args["token"], container.tenants, container.secrets, now), 200


ROUTES = [
    Route("/email-confirmations/<token>", ("GET",), show, public=True),
    Route("/email-confirmations/<token>", ("POST",), confirm, public=True),
]
