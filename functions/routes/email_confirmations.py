"""Signed links confirming a notification_email (public: the link's signed token authenticates).

``GET /email-confirmations/<token>`` says what the link would do and changes nothing (mail scanners
follow links); ``POST /email-confirmations/<token>`` confirms the address, if it is still the
workspace's notification_email (else 409). A browser gets both as pages, the GET's with the button
that POSTs (``functions._pages``).
"""

from datetime import UTC, datetime
from typing import Any

from functions._http import Reply
from functions._pages import Page, answer, sentence
from functions.routes import Call
from shared import bootstrap
from shared.services import email_confirmation


def _of(info: dict[str, Any]) -> str:
    name = info["workspace_name"]
    return f"the Notion workspace “{name}”" if name else "a Notion workspace"


def _shown(info: dict[str, Any]) -> Page:
    email, workspace = info["email"], _of(info)
    if info["status"] == "confirmed":
        return Page("This address is confirmed", [f"{email} gets the notifications of {workspace}."])
    if info["status"] == "changed":
        return Page(
            "Nothing to confirm", [f"{sentence(workspace)} no longer sends notifications to {email}."]
        )
    said = f"Notion Agent sends the notifications of {workspace} to {email} once you confirm it here."
    return Page("Confirm this address?", [said], button=f"Confirm {email}")


def _confirmed(result: dict[str, Any]) -> Page:
    return Page("Address confirmed", [f"The notifications of {_of(result)} now go to {result['email']}."])


def show(call: Call) -> Reply:
    container = bootstrap.container()
    token = call.args["token"]
    return answer(
        call.request, lambda: email_confirmation.describe(token, container.tenants, container.secrets), _shown
    )


def confirm(call: Call) -> Reply:
    container = bootstrap.container()
    token, now = call.args["token"], datetime.now(UTC)
    return answer(
        call.request,
        lambda: email_confirmation.confirm(token, container.tenants, container.secrets, now),
        _confirmed,
    )
