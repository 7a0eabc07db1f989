"""The console's session is a cookie its scripts cannot read: set by oauth-callback (HttpOnly,
SameSite=Lax, Secure and ``__Host-`` for an https frontend), never in the URL; a change made with it
must come from the console (its Origin and CSRF token); signing out and disconnecting clear it."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from shared.platform.config import PlatformSecret, Settings
from shared.team.services.sessions import SESSION_TTL_S, session_of, start_session
from shared.workspace.domain.connecting.connection import NONCE_COOKIE, session_cookie
from shared.workspace.domain.tenants import TenantStatus
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth, make_key
from tests.support.team.session_cookies import cookie_set
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]  # the fixture: an https frontend, https://app.test
CONSOLE = "https://app.test"
COOKIE = "__Host-na_session"


def signed_in(fakes: FakeContainer) -> tuple[FlaskClient, str]:
    """A browser signed in through the real flow (its jar holds the callback's cookie), and the CSRF
    token its console's script reads from ``GET /session``."""
    browser = client("api", fakes)
    browser.set_cookie(COOKIE, connect_as(fakes, ADA, "code-ada")["session"])
    me = browser.get("/session")
    assert me.status_code == 200 and me.json is not None
    return browser, me.json["csrf_token"]


def cleared(answer: Any) -> bool:
    """Whether ``answer`` clears the session cookie, with the attributes that set it."""
    cookie = cookie_set(answer.headers.getlist("Set-Cookie"), COOKIE)
    attributes = (cookie.value, cookie["max-age"], cookie["path"], cookie["samesite"])
    return attributes == ("", "0", "/", "Lax") and bool(cookie["httponly"]) and bool(cookie["secure"])


def test_the_callback_sets_a_host_only_httponly_lax_secure_cookie_and_the_url_holds_no_session(
    fakes: FakeContainer,
) -> None:
    outcome = connect_as(fakes, ADA, "code-ada")  # the fragment, and the cookie's session
    assert set(outcome) == {"connected", "workspace_name", "onboarding", "session", "tenant_id", "role"}
    again = redirect_of_a_connect(fakes)
    cookie = cookie_set(again.headers.getlist("Set-Cookie"), COOKIE)
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and cookie["domain"] == ""  # __Host-: no Domain, Path=/
    assert cookie["max-age"] == str(SESSION_TTL_S)
    location = again.headers["Location"]
    assert cookie.value not in location and "session" not in location and TENANT not in location
    assert again.headers["Referrer-Policy"] == "no-referrer"


def redirect_of_a_connect(fakes: FakeContainer, code: str = "code-again") -> Any:
    """The oauth-callback's answer to the owner connecting again (the flow of ``connect_as``)."""
    fakes.notion_oauth.codes.add(code)
    api = client("api", fakes)
    start = api.get("/connect")
    assert start.json is not None
    nonce = api.get_cookie(NONCE_COOKIE)
    assert nonce is not None
    callback = client("oauth_callback", fakes)
    callback.set_cookie(NONCE_COOKIE, nonce.value)
    state = parse_qs(urlsplit(start.json["authorize_url"]).query)["state"][0]
    answer = callback.get("/", query_string={"code": code, "state": state})
    assert answer.status_code == 302
    return answer


def test_a_plain_http_frontend_gets_a_cookie_a_browser_stores_over_http(fakes: FakeContainer) -> None:
    """The local stack runs on http://127.0.0.1, where a browser would drop a Secure cookie."""
    fakes.settings = Settings(
        notion_api_base_url="https://notion.test",
        oauth_callback_url="http://127.0.0.1:8080/",
        frontend_url="http://127.0.0.1:3000",
    )
    assert session_cookie(fakes.settings.frontend_url).name == "na_session"
    cookie = cookie_set(redirect_of_a_connect(fakes).headers.getlist("Set-Cookie"), "na_session")
    assert cookie["httponly"] and not cookie["secure"] and cookie["samesite"] == "Lax"


def test_get_session_tells_the_console_its_tenant_and_csrf_token(fakes: FakeContainer) -> None:
    browser, csrf = signed_in(fakes)
    me = browser.get("/session")
    fields = {"tenant_id", "workspace_name", "csrf_token", "expires_at", "member_id", "role", "email"}
    assert me.json is not None and set(me.json) == fields and me.json["role"] == "owner"
    assert me.json["tenant_id"] == TENANT and me.json["workspace_name"] == "Acme" and len(csrf) == 64
    ends = datetime.fromisoformat(me.json["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=1) < ends <= timedelta(days=7)
    assert me.headers["Cache-Control"] == "no-store"
    assert browser.get("/settings").status_code == 200  # a read with the cookie needs no token


def test_an_api_key_has_no_session_to_describe(fakes: FakeContainer) -> None:
    key = make_key(fakes, connect_as(fakes, ADA, "code-key")["session"])["key"]
    refused = client("api", fakes).get("/session", headers=auth(key))
    assert refused.status_code == 403 and refused.json is not None
    assert "needs a session" in refused.json["reason"]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Origin": "https://evil.example"}, "Origin is not the console's"),
        ({"Origin": "null"}, "Origin is not the console's"),
        ({"Origin": "http://app.test"}, "Origin is not the console's"),  # not the https origin
        ({"Sec-Fetch-Site": "cross-site"}, "needs an Origin header"),
        ({}, "needs an Origin header"),
        ({"Origin": CONSOLE, "X-CSRF-Token": ""}, "needs the X-CSRF-Token header"),
        ({"Origin": CONSOLE, "X-CSRF-Token": "0" * 64}, "not this session's"),
        ({"Origin": CONSOLE, "X-CSRF-Token": "wrong"}, "not this session's"),
    ],
)
def test_a_cross_site_change_with_the_cookie_is_refused_and_does_nothing(
    fakes: FakeContainer, headers: dict[str, str], why: str
) -> None:
    browser, _ = signed_in(fakes)
    for method, path in (("POST", "/api-keys"), ("DELETE", "/session"), ("DELETE", "/connection")):
        answer = browser.open(path, method=method, json={"name": "CI"}, headers=headers)
        assert answer.status_code == 403 and answer.json is not None, (method, path)
        assert answer.json["reason"].startswith("cross-site request refused") and why in answer.json["reason"]
        assert "Set-Cookie" not in answer.headers
    assert fakes.api_keys.keys == {}
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE
    assert browser.get("/settings").status_code == 200  # still signed in


@pytest.mark.parametrize("where", [{"Origin": CONSOLE}, {"Sec-Fetch-Site": "same-origin"}])
def test_the_console_s_change_passes_with_its_origin_and_token(
    fakes: FakeContainer, where: dict[str, str]
) -> None:
    browser, csrf = signed_in(fakes)
    answer = browser.post("/api-keys", json={"name": "CI"}, headers=where | {"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert len(fakes.api_keys.keys) == 1


def test_a_bearer_credential_needs_neither_origin_nor_token(fakes: FakeContainer) -> None:
    """A cross-site page cannot send Authorization without a preflight, which CORS refuses."""
    session = connect_as(fakes, ADA, "code-ada")["session"]
    key = make_key(fakes, session)["key"]  # a Bearer session's POST, without Origin or token
    started = client("api", fakes).post("/runs", json={"goal": "Summarise the week"}, headers=auth(key))
    assert started.status_code == 202, started.get_data(as_text=True)


def test_signing_out_clears_the_cookie_so_the_browser_is_signed_out(fakes: FakeContainer) -> None:
    browser, csrf = signed_in(fakes)
    answer = browser.delete("/session", headers={"Origin": CONSOLE, "X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json == {"signed_out": True} and cleared(answer)
    assert browser.get_cookie(COOKIE) is None  # the browser dropped it (Max-Age=0)
    assert browser.get("/settings").status_code == 401
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE  # the workspace stays connected


def test_signing_out_ends_the_session_on_the_server_for_every_copy_of_it(fakes: FakeContainer) -> None:
    """A copy of the cookie taken before signing out (another tab, a stolen value) answers 401 after;
    so does every other session issued before it. Signing in again, and an API key, still work."""
    browser, csrf = signed_in(fakes)
    copied = browser.get_cookie(COOKIE)
    assert copied is not None
    other = connect_as(fakes, ADA, "code-ada-2")["session"]  # another browser of the owner
    key = make_key(fakes, other)["key"]
    assert browser.delete("/session", headers={"Origin": CONSOLE, "X-CSRF-Token": csrf}).status_code == 200
    thief = client("api", fakes)
    thief.set_cookie(COOKIE, copied.value)
    for answer in (
        thief.get("/session"),
        thief.get("/settings"),
        client("api", fakes).get("/settings", headers=auth(copied.value)),
        client("api", fakes).get("/settings", headers=auth(other)),
    ):
        assert answer.status_code == 401 and answer.json is not None
        assert "this session was signed out" in answer.json["reason"]
    assert client("api", fakes).get("/settings", headers=auth(key)).status_code == 200
    again, _ = signed_in(fakes)
    assert again.get("/settings").status_code == 200


def test_a_disconnect_clears_the_cookie(fakes: FakeContainer) -> None:
    browser, csrf = signed_in(fakes)
    answer = browser.delete("/connection", headers={"Origin": CONSOLE, "X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json is not None and answer.json["revoked"]
    assert cleared(answer) and browser.get_cookie(COOKIE) is None


def test_a_bearer_header_wins_over_the_cookie(fakes: FakeContainer) -> None:
    """A script's credential is the one it sends, whatever cookie the client holds."""
    browser, _ = signed_in(fakes)
    answer = browser.get("/settings", headers={"Authorization": "Bearer not-a-session"})
    assert answer.status_code == 401


def test_the_csrf_token_is_the_session_s_and_survives_a_key_rotation(fakes: FakeContainer) -> None:
    ring = json.dumps({"current": "1", "keys": {"1": "a" * 32}})
    fakes.secrets.put(PlatformSecret.SESSION_SIGNING_KEY, ring)
    one = start_session(TENANT, fakes.secrets)
    two = start_session(TENANT, fakes.secrets, ttl_s=60)
    before = session_of(one, fakes.secrets, fakes.tenants).csrf_token
    assert before != session_of(two, fakes.secrets, fakes.tenants).csrf_token
    rotated = json.dumps({"current": "2", "keys": {"1": "a" * 32, "2": "b" * 32}})
    fakes.secrets.put(PlatformSecret.SESSION_SIGNING_KEY, rotated)
    assert session_of(one, fakes.secrets, fakes.tenants).csrf_token == before
