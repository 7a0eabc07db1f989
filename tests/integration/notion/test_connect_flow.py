"""Connecting a workspace end to end: api GET /connect → the sandbox's Notion OAuth → oauth-callback,
with the Firestore emulator and local secrets; then DELETE /connection."""

import time
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from shared.platform.domain import signed_tokens
from shared.workspace.domain.tenants import TenantStatus, tenant_id_for
from tests.integration.notion_stack import FRONTEND, Stack, event_for, fragment, signed_post
from tests.support.platform.fake_container import json_body
from tests.support.team.session_cookies import cookie_set

pytestmark = pytest.mark.integration


def demo_workspace(stack: Stack) -> dict[str, Any]:
    return next(w for w in stack.admin.get("/workspaces") if w["key"] == "demo")


def stored_documents(stack: Stack) -> list[str]:
    paths = [d.reference.path for d in stack.db.collection("tenants").stream()]
    paths += [d.reference.path for d in stack.db.collection("workspaces").stream()]
    return paths


def test_connecting_stores_the_tenant_routing_and_tokens_and_starts_a_session(stack: Stack) -> None:
    outcome = stack.connect()
    ws = demo_workspace(stack)
    tenant_id = tenant_id_for(ws["workspace_id"])
    assert outcome["connected"] == "true" and outcome["tenant_id"] == tenant_id
    assert outcome["workspace_name"] == "Demo workspace"
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE
    assert tenant.bot_id == ws["bot_id"] and tenant.owner_email == "ada@demo.example"
    route = stack.db.collection("workspaces").document(ws["workspace_id"]).get().to_dict()
    assert route["tenant_id"] == tenant_id
    secret = stack.notion_tokens(tenant_id)
    assert secret.access_token.startswith("ntn_") and secret.refresh_token
    everything = str([d.to_dict() for d in stack.db.collection("tenants").stream()])
    assert secret.access_token not in everything and secret.refresh_token not in everything
    notion = stack.container.notion.notion.with_token(secret.access_token)  # a real, working token
    assert notion.me()["id"] == ws["bot_id"]
    # The session works with the api (a run of this tenant that does not exist: 404, not 401).
    api = stack.client("api")
    assert api.get("/runs/nope", headers={"Authorization": f"Bearer {outcome['session']}"}).status_code == 404
    [used] = stack.db.collection("oauth_states").stream()  # used up: kept until the state expires
    assert set(used.to_dict()) == {"expires_at"}  # a hash of the nonce as its id, nothing else


def test_the_session_travels_in_an_httponly_cookie_never_in_the_url(stack: Stack) -> None:
    url, nonce = stack.start_connect()
    answer = stack.callback(stack.authorize(url), nonce)
    location = answer.headers["Location"]
    assert location.startswith(FRONTEND + "#") and "?" not in location
    assert set(fragment(location)) == {"connected", "workspace_name", "onboarding"}  # no session, no tenant
    assert answer.headers["Cache-Control"] == "no-store"
    cookies = answer.headers.getlist("Set-Cookie")
    assert any(h.startswith("na_connect_nonce=;") for h in cookies)
    # The stack's frontend is plain http (127.0.0.1): a cookie a browser stores there, not Secure.
    session = cookie_set(cookies, "na_session")
    assert session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/"
    assert not session["secure"] and session["max-age"] == str(7 * 24 * 3600)
    assert session.value not in location
    # The console's browser: reads with the cookie; changes from its own origin with its token only.
    browser = stack.client("api")
    browser.set_cookie("na_session", session.value)
    me = browser.get("/session")
    assert me.status_code == 200 and me.json is not None
    change = {"daily_plan": False}
    evil = browser.patch("/settings", json=change, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "cross-site request refused" in json_body(evil)["reason"]
    console = {"Origin": "http://127.0.0.1:3999", "X-CSRF-Token": me.json["csrf_token"]}
    assert browser.patch("/settings", json=change, headers=console).status_code == 200


def test_denial_redirects_with_access_denied_and_stores_nothing(stack: Stack) -> None:
    stack.admin.post("/oauth", {"deny": True})
    url, nonce = stack.start_connect()
    query = stack.authorize(url)
    assert "error=access_denied" in query
    answer = stack.callback(query, nonce)
    assert answer.status_code == 302
    assert fragment(answer.headers["Location"]) == {"connected": "false", "error": "access_denied"}
    assert stored_documents(stack) == [] and len(stack.secrets_file()) == 3


def forge(query: str, how: str) -> str:
    args = {k: v[0] for k, v in parse_qs(query).items()}
    claims = {"purpose": "oauth_state", "nonce": "n"}
    if how == "forged":
        args["state"] = signed_tokens.sign(claims, "not-our-key", 600)
    elif how == "expired":
        key = "session-key-for-tests-0123456789"
        args["state"] = signed_tokens.sign(claims, key, 600, now=time.time() - 601)
    elif how == "missing":
        args.pop("state")
    return urlencode(args)


@pytest.mark.parametrize("how", ["forged", "expired", "missing", "no_cookie", "other_browser"])
def test_a_bad_state_is_a_400_and_nothing_is_stored(stack: Stack, how: str) -> None:
    url, nonce = stack.start_connect()
    query = stack.authorize(url)
    cookie: str | None = {"no_cookie": None, "other_browser": "another-browsers-nonce"}.get(how, nonce)
    answer = stack.callback(forge(query, how), cookie)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert stored_documents(stack) == [] and len(stack.secrets_file()) == 3
    token_calls = [r for r in stack.admin.get("/requests") if r["path"] == "/v1/oauth/token"]
    assert token_calls == []  # the code was never exchanged


def test_a_replayed_callback_is_a_400_and_changes_nothing(stack: Stack) -> None:
    url, nonce = stack.start_connect()
    query = stack.authorize(url)
    assert stack.callback(query, nonce).status_code == 302
    before = {d.reference.path: d.to_dict() for d in stack.db.collection("tenants").stream()}
    secrets = stack.secrets_file()
    replay = stack.callback(query, nonce)
    assert replay.status_code == 400 and "already used" in replay.json["reason"]
    assert {d.reference.path: d.to_dict() for d in stack.db.collection("tenants").stream()} == before
    assert stack.secrets_file() == secrets


def test_connecting_the_same_workspace_again_updates_and_never_duplicates(stack: Stack) -> None:
    first = stack.connect()
    tenant_id = first["tenant_id"]
    old = stack.notion_tokens(tenant_id)
    created = stack.container.workspace.tenants.get(tenant_id)
    second = stack.connect()
    assert second["tenant_id"] == tenant_id
    assert [d.id for d in stack.db.collection("tenants").stream()] == [tenant_id]
    assert [d.id for d in stack.db.collection("workspaces").stream()] == [
        demo_workspace(stack)["workspace_id"]
    ]
    new = stack.notion_tokens(tenant_id)
    again = stack.container.workspace.tenants.get(tenant_id)
    assert new.access_token != old.access_token
    assert again is not None and stack.token_secrets(tenant_id) == [again.token_secret]  # the old one went
    assert again is not None and created is not None and again.created_at == created.created_at
    assert again.updated_at > created.updated_at


def test_disconnect_revokes_at_notion_destroys_the_secret_and_drops_later_webhooks(stack: Stack) -> None:
    outcome = stack.connect()
    tenant_id, session = outcome["tenant_id"], outcome["session"]
    token = stack.notion_tokens(tenant_id).access_token
    api = stack.client("api")
    assert api.delete("/connection").status_code == 401
    api.set_cookie("na_session", session)  # the console's browser, as the callback left it
    csrf = json_body(api.get("/session"))["csrf_token"]
    answer = api.delete("/connection", headers={"Origin": "http://127.0.0.1:3999", "X-CSRF-Token": csrf})
    assert answer.status_code == 200
    assert answer.json == {"revoked": True, "tenant_id": tenant_id, "runs_cancelled": 0}
    assert api.get_cookie("na_session") is None  # the answer cleared it
    assert api.get("/settings", headers={"Authorization": f"Bearer {session}"}).status_code == 401
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED
    assert stack.token_secrets(tenant_id) == []
    refused = httpx.get(
        f"{stack.sandbox.url}/v1/users/me",
        headers={"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"},
    )
    assert refused.status_code == 401
    # Webhooks of the revoked workspace are acknowledged and dropped.
    stack.container.platform.secrets.put(
        "notion-webhook-verification-token", "secret_webhook_verification_for_tests"
    )
    ws = demo_workspace(stack)
    late = signed_post(stack.webhook_url, event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"]))
    assert late.status_code == 200 and late.json()["result"] == "dropped"
    assert stack.plan_tasks() == [] and stack.event_ids(tenant_id) == []
