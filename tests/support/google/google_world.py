"""A workspace of Ada (owner) and Bo (editor) with Connect Google's parts, as a fixture: the Firestore
emulator, one Google (the Gmail sandbox serving Google's consent page, token and revoke endpoints and
Gmail, the Calendar sandbox sharing its accounts), the OAuth adapter pointed at them, and a person's
walk through the consent page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from local.calendar_sandbox.app import CalendarSandbox
from local.calendar_sandbox.app import serve as serve_calendar
from local.gmail_sandbox.accounts import CLIENT_ID, CLIENT_SECRET
from local.gmail_sandbox.app import serve as serve_gmail
from shared.calendar.adapters.calendar_api import GoogleCalendar
from shared.calendar.adapters.firestore_links import FirestoreCalendarLinks
from shared.calendar.services.intake import CalendarIntake
from shared.google.adapters.google_oauth import GoogleOAuthHttp
from shared.google.services.connect import GoogleConnect, MailParts
from shared.mail.adapters.firestore_mailboxes import FirestoreMailboxes
from shared.mail.adapters.gmail_api import GmailApi
from shared.platform.config import PlatformSecret
from shared.workspace.adapters.firestore_tenants import FirestoreOAuthStates, FirestoreTenantStore
from shared.workspace.domain.members import Member
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.firestore_tenants import NOW, tenant

OWNER, EDITOR, AGENT = "ada@acme.example", "bo@acme.example", "scribe@acme.example"
REDIRECT = "https://console.acme.example/api/google/oauth/callback"
TOPIC = "projects/na-local/topics/na-gmail-push"
PUSH_URL = "https://api.acme.example/calendar/push"


def google_parts(gmail_url: str, calendar_url: str, db: Any, secrets: FakeSecrets) -> GoogleConnect:
    """Connect Google's parts over the sandboxes at ``gmail_url`` (Google's accounts and Gmail) and
    ``calendar_url``, and the Firestore client ``db``."""
    token_url = gmail_url + "/token"
    oauth = GoogleOAuthHttp(
        (token_url, gmail_url + "/revoke", gmail_url + "/oauth2/v1/certs"), (CLIENT_ID, CLIENT_SECRET), 30
    )
    gmail = GmailApi(gmail_url, token_url, CLIENT_ID, CLIENT_SECRET, 30)
    api = GoogleCalendar(calendar_url + "/calendar/v3/", token_url, CLIENT_ID, CLIENT_SECRET, 30)
    intake = CalendarIntake(links=FirestoreCalendarLinks(db), api=api, secrets=secrets, push_url=PUSH_URL)
    return GoogleConnect(
        oauth,
        FirestoreOAuthStates(db),
        secrets,
        CLIENT_ID,
        gmail_url + "/o/oauth2/v2/auth",
        REDIRECT,
        "https://console.acme.example/",
        MailParts(gmail, FirestoreMailboxes(db), TOPIC),
        intake,
    )


@pytest.fixture
def google_world(firestore_db: Any) -> Iterator[dict[str, Any]]:
    """The workspace saved, both sandboxes served, Connect Google's parts, for one test."""
    one = tenant(
        "ws-google",
        owner_user_id="u-ada",
        owner_email=OWNER,
        members=[Member(member_id="m-bo", notion_user_id="u-bo", email=EDITOR, role="editor", added_at=NOW)],
    )
    FirestoreTenantStore(firestore_db).save(one)
    gmail, gmail_server = serve_gmail()
    calendar, calendar_server = serve_calendar(CalendarSandbox(gmail.accounts))
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32})
    parts = google_parts(gmail_server.url, calendar_server.url, firestore_db, secrets)
    try:
        yield {
            "parts": parts,
            "gmail": gmail,
            "calendar": calendar,
            "tenant": one,
            "secrets": secrets,
            "db": firestore_db,
        }
    finally:
        calendar_server.stop()
        gmail_server.stop()


def consent(
    authorize_url: str, account: str, decision: str = "allow", untick: tuple[str, ...] = ()
) -> dict[str, str]:
    """What a person's browser does at Google: read the consent page, sign in as ``account``, leave
    the boxes of ``untick`` unticked, press Continue (or Cancel): the redirect's query."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200 and "wants to access your Google Account" in page.text
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
    form = query | {"account": account, "decision": decision}
    form |= {f"grant:{s}": "on" for s in query["scope"].split() if s not in untick}
    action = authorize_url.split("?", maxsplit=1)[0]
    back = requests.post(action, data=form, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(query["redirect_uri"] + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(back.headers["Location"]).query).items()}
