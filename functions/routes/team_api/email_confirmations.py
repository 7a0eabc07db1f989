"""Signed links confirming a notification_email (public: the link's signed token authenticates).

A mail's link is ``/email-confirmations#<token>``: ``GET /email-confirmations`` is the page whose
script reads the token and POSTs it (``functions._pages``). ``POST /email-confirmations/preview``
says what the link would do and changes nothing; ``POST /email-confirmations/confirm`` confirms the
address, if it is still the workspace's notification_email (else 409). ``GET
/email-confirmations/<token>`` (links mailed before the token moved to the fragment) redirects there.
"""

from datetime import UTC, datetime
from typing import Any

from functions._http import Reply
from functions._pages import Page, answer, moved, sentence, shell, token_of
from functions.routes import Call
from shared.notify.services import email_confirmation
from shared.notify.services.links import CONFIRMATION_PATH


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


def page(call: Call) -> Reply:
    return shell("confirm")


def preview(call: Call) -> Reply:
    container, token = call.container, token_of(call.request)
    return answer(
        lambda: email_confirmation.describe(token, container.workspace.tenants, container.platform.secrets),
        _shown,
    )


def confirm(call: Call) -> Reply:
    container, token, now = call.container, token_of(call.request), datetime.now(UTC)
    return answer(
        lambda: email_confirmation.confirm(
            token, container.workspace.tenants, container.platform.secrets, now
        ),
        _confirmed,
    )


def legacy(call: Call) -> Reply:
    """A link mailed with its token in the path: the same page, the token moved to the fragment."""
    api_url = call.container.settings.api_url
    return moved(api_url, CONFIRMATION_PATH, call.args["token"])
