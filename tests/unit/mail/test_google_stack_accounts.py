"""The local stack's one Google (local/google_stack.py, decision 0181): the Gmail and Calendar
sandboxes share Google's accounts, so a consent given to either is exchanged at the one token endpoint
and revoked at the one revoke endpoint; the functions' settings name the consent page, the revoke
endpoint and the Pub/Sub topic the stack's emulator carries."""

from __future__ import annotations

from werkzeug.test import Client

from local.gmail_sandbox.accounts import AUTH_PATH, CLIENT_ID, CLIENT_SECRET, REVOKE_PATH
from local.google_stack import GoogleApis, GoogleParts


def _exchange(client: Client, refresh: str) -> tuple[int, dict[str, object]]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    answer = client.post("/token", data=form)
    return answer.status_code, answer.get_json()


def test_both_sandboxes_consents_exchange_and_revoke_at_the_one_origin() -> None:
    google = GoogleParts("na-local", "http://127.0.0.1:9")  # nothing served: only its parts read
    assert google.calendar.accounts is google.gmail.accounts
    client = Client(GoogleApis(google.gmail, google.calendar))
    google.gmail.connect("scribe@acme.example", "1//mail")
    google.calendar.connect("ada@acme.example", "1//calendar")
    for refresh in ("1//mail", "1//calendar"):
        status, body = _exchange(client, refresh)
        assert status == 200 and body["access_token"], body
    assert client.post(REVOKE_PATH, data={"token": "1//calendar"}).status_code == 200
    assert google.gmail.accounts.revocations == ["ada@acme.example"]
    status, body = _exchange(client, "1//calendar")
    assert status == 400 and body["error"] == "invalid_grant"


def test_the_settings_name_the_consent_page_the_revoke_endpoint_and_the_topic() -> None:
    google = GoogleParts("na-local", "http://127.0.0.1:9")
    env = google.env()
    assert env["NA_GOOGLE_AUTH_URL"] == google.url + AUTH_PATH
    assert env["NA_GOOGLE_REVOKE_URL"] == google.url + REVOKE_PATH
    assert env["NA_MAIL_TOPIC"] == google.topic == "projects/na-local/topics/na-gmail-push"
