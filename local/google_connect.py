"""Connecting an agent's mailbox and a person's calendar on a local stack started with Google's parts
(local.google_stack), by hand: the sandbox gives its consent as a refresh token, then shared.mail's
``connect_mailbox`` and shared.calendar's ``connect_calendar`` run over the stack's Firestore emulator
and secrets file, as the api will once the console connects Google. ``make demo`` and the suites use it."""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING, Any

from local.gmail_sandbox.app import CLIENT_ID, CLIENT_SECRET

if TYPE_CHECKING:
    from local.stack import LocalStack
    from shared.calendar.domain.connections import CalendarLink
    from shared.mail.domain.mailboxes import Mailbox


def _firestore(stack: LocalStack) -> Any:
    from google.cloud import firestore

    os.environ["FIRESTORE_EMULATOR_HOST"] = f"127.0.0.1:{stack.firestore_port}"  # this process's client
    return firestore.Client(project=stack.project)


def _secrets(stack: LocalStack) -> Any:
    from shared.platform.adapters.local_secrets import LocalFileSecrets

    return LocalFileSecrets(str(stack.secrets_file))


def connect_mailbox_by_hand(stack: LocalStack, tenant_id: str, agent_id: str, address: str) -> Mailbox:
    """``address`` (its Gmail sandbox mailbox) connected as ``agent_id``'s of ``tenant_id``: watched
    onto the stack's Pub/Sub topic, so each mail to it reaches the api's ``/mail/push``."""
    from shared.mail.adapters.firestore_mailboxes import FirestoreMailboxes
    from shared.mail.adapters.gmail_api import GmailApi
    from shared.mail.services.connect import connect_mailbox

    google = stack.google
    assert google is not None, "the stack was started without Google's parts (google=True)"
    refresh = "1//sandbox-" + secrets.token_urlsafe(12)
    google.gmail.connect(address, refresh)
    gmail = GmailApi(google.url + "/", google.url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    return connect_mailbox(
        address,
        tenant_id,
        agent_id,
        refresh,
        topic=google.topic,
        gmail=gmail,
        mailboxes=FirestoreMailboxes(_firestore(stack)),
        secrets=_secrets(stack),
    )


def connect_calendar_by_hand(
    stack: LocalStack, tenant_id: str, person: str, notion_user_id: str
) -> CalendarLink:
    """``person``'s Calendar sandbox calendar connected for ``tenant_id``: read in full, watched on a
    channel whose notifications the stack's courier posts to the api's ``/calendar/push``."""
    from shared.calendar.adapters.calendar_api import GoogleCalendar
    from shared.calendar.adapters.firestore_links import FirestoreCalendarLinks
    from shared.calendar.services.connect import connect_calendar
    from shared.calendar.services.intake import CalendarIntake

    google = stack.google
    assert google is not None, "the stack was started without Google's parts (google=True)"
    refresh = "1//sandbox-" + secrets.token_urlsafe(12)
    google.calendar.connect(person, refresh)
    api = GoogleCalendar(google.url + "/calendar/v3/", google.url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    push_url = google.env()["NA_CALENDAR_PUSH_ADDRESS"]
    intake = CalendarIntake(FirestoreCalendarLinks(_firestore(stack)), api, _secrets(stack), push_url)
    return connect_calendar(person, tenant_id, notion_user_id, refresh, intake)
