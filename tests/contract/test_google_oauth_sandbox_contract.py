"""The sandboxes' Google OAuth 2.0 server (local/gmail_sandbox/accounts.py) against Google's documented
web-server flow, through google-auth where it applies: the consent page's redirect (a code and the
scopes granted, or ``error=access_denied``), the code exchanged once with PKCE's verifier for a refresh
token and an ``id_token`` google-auth verifies, the refresh token refreshed by google-auth's
``Credentials``, a scope left unticked absent from the grant, and revocation ending the grant."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport import requests as auth_requests
from google.oauth2 import id_token
from google.oauth2.credentials import Credentials

from local.gmail_sandbox.accounts import CLIENT_ID, CLIENT_SECRET
from local.gmail_sandbox.app import GmailSandbox, serve
from shared.mail.adapters.gmail_api import GmailApi
from shared.platform.errors import Unauthenticated

REDIRECT = "https://console.acme.example/api/google/oauth/callback"
GMAIL = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.send"
VERIFIER = "v" * 43 + "-pkce-verifier-of-this-test"


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def google() -> Iterator[tuple[GmailSandbox, str]]:
    sandbox, server = serve()
    try:
        yield sandbox, server.url
    finally:
        server.stop()


def _consent(url: str, decision: str = "allow", untick: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """A person at the consent page: the page read, then Continue (or Cancel); the redirect's query."""
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email " + GMAIL,
        "access_type": "offline",
        "prompt": "consent",
        "login_hint": "scribe@acme.example",
        "state": "st-1",
        "code_challenge": _challenge(VERIFIER),
        "code_challenge_method": "S256",
    } | extra
    page = requests.get(f"{url}/o/oauth2/v2/auth?{urlencode(query)}", timeout=10)
    assert page.status_code == 200 and 'value="scribe@acme.example"' in page.text
    form = query | {"account": "scribe@acme.example", "decision": decision}
    form |= {f"grant:{s}": "on" for s in GMAIL.split() if s not in untick}
    back = requests.post(f"{url}/o/oauth2/v2/auth", data=form, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(back.headers["Location"]).query).items()}


def _exchange(url: str, code: str, verifier: str = VERIFIER) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": verifier,
    }
    return requests.post(url + "/token", data=form, timeout=10)


def test_a_code_is_exchanged_once_for_a_refresh_token_and_an_id_token_google_auth_verifies(
    google: Any,
) -> None:
    sandbox, url = google
    back = _consent(url)
    assert back["state"] == "st-1" and set(back["scope"].split()) >= set(GMAIL.split())
    answer = _exchange(url, back["code"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 3000 and body["refresh_token"]
    assert set(body["scope"].split()) >= {*GMAIL.split(), "openid"}
    claims = id_token.verify_token(
        body["id_token"], auth_requests.Request(), audience=CLIENT_ID, certs_url=url + "/oauth2/v1/certs"
    )
    assert claims["email"] == "scribe@acme.example" and claims["email_verified"]
    assert claims["iss"] in ("accounts.google.com", "https://accounts.google.com")
    again = _exchange(url, back["code"])  # a code works once
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    # google-auth refreshes the refresh token; Gmail takes the access token as the mailbox's.
    creds = Credentials(  # type: ignore[no-untyped-call]  # google-auth's constructor is untyped
        None,
        refresh_token=body["refresh_token"],
        token_uri=url + "/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    creds.refresh(auth_requests.Request())  # type: ignore[no-untyped-call]  # google-auth's refresh is untyped
    assert creds.token and creds.valid
    api = GmailApi(url, url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    assert api.watch(body["refresh_token"], "projects/p/topics/t")[0] == 1000
    api.stop(body["refresh_token"])
    assert sandbox.stops == ["scribe@acme.example"] and sandbox.boxes["scribe@acme.example"].watch is None


def test_pkce_a_wrong_or_missing_verifier_and_a_foreign_redirect_are_refused(google: Any) -> None:
    _, url = google
    for verifier, said in (("w" * 50, "Invalid code verifier."), ("", "Missing code verifier.")):
        answer = _exchange(url, _consent(url)["code"], verifier)
        assert (answer.status_code, answer.json()["error_description"]) == (400, said)
    code = _consent(url)["code"]
    moved = requests.post(
        url + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT + "x",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code_verifier": VERIFIER,
        },
        timeout=10,
    )
    assert (moved.status_code, moved.json()["error"]) == (400, "redirect_uri_mismatch")
    wrong = requests.post(
        url + "/token",
        data={"grant_type": "authorization_code", "code": "x", "client_id": CLIENT_ID, "client_secret": "no"},
        timeout=10,
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")


def test_a_cancelled_consent_redirects_with_access_denied_and_an_unticked_scope_is_not_granted(
    google: Any,
) -> None:
    _, url = google
    assert _consent(url, "cancel") == {"error": "access_denied", "state": "st-1"}
    back = _consent(url, untick=("https://www.googleapis.com/auth/gmail.send",))
    body = _exchange(url, back["code"]).json()
    assert "https://www.googleapis.com/auth/gmail.send" not in body["scope"].split()
    assert "https://www.googleapis.com/auth/gmail.readonly" in body["scope"].split()


def test_revocation_ends_the_grant_and_is_recorded(google: Any) -> None:
    sandbox, url = google
    body = _exchange(url, _consent(url)["code"]).json()
    refresh, access = body["refresh_token"], body["access_token"]
    gmail = requests.get(
        url + "/gmail/v1/users/me/messages", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert gmail.status_code == 200
    assert requests.post(url + "/revoke", data={"token": refresh}, timeout=10).status_code == 200
    assert sandbox.accounts.revocations == ["scribe@acme.example"]
    gone = requests.get(
        url + "/gmail/v1/users/me/messages", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert gone.status_code == 401  # the grant's access tokens end with it
    again = requests.post(url + "/revoke", data={"token": refresh}, timeout=10)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_token")
    creds = Credentials(  # type: ignore[no-untyped-call]  # google-auth's constructor is untyped
        None,
        refresh_token=refresh,
        token_uri=url + "/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        creds.refresh(auth_requests.Request())  # type: ignore[no-untyped-call]  # google-auth's refresh is untyped
    with pytest.raises(Unauthenticated):
        GmailApi(url, url + "/token", CLIENT_ID, CLIENT_SECRET, 30).stop(refresh)


def test_a_token_without_a_gmail_scope_is_refused_by_gmail(google: Any) -> None:
    _, url = google
    back = _consent(url, scope="openid email https://www.googleapis.com/auth/calendar.readonly")
    access = _exchange(url, back["code"]).json()["access_token"]
    answer = requests.get(
        url + "/gmail/v1/users/me/messages", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert answer.status_code == 403
