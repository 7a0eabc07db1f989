"""Connecting the MCP sandbox behind OAuth through the api (``POST /mcp/servers/oauth``, then ``GET
/mcp/oauth/callback``), with the SDK's OAuth pieces against the sandbox's SDK authorization server and
the Firestore emulator: the admin follows the authorization URL as a person would, the callback
exchanges the code with PKCE's verifier, the tools are listed and a call is made; the grant lives only
in the secrets port; an expired access token is refreshed once without a person; a forged, reused or
another person's state is a 400 with nothing stored (decision 0220)."""

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.domain.oauth import Grant, pending_secret
from shared.mcp.domain.servers import mcp_token_secret
from tests.support.mcp.oauth_flow import api as _api
from tests.support.mcp.oauth_flow import approved as _approved
from tests.support.mcp.oauth_flow import callback as _callback
from tests.support.mcp.oauth_flow import docs as _docs
from tests.support.mcp.oauth_flow import mcp_secrets as _mcp_secrets
from tests.support.mcp.oauth_flow import started as _started
from tests.support.platform.fake_container import client
from tests.support.team.api_keys import auth
from tests.support.team.role_team import team

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("unused-header-token", oauth=True) as served:
        yield served


def test_an_admin_connects_the_oauth_sandbox_and_a_call_is_made(
    sandbox: McpSandbox, firestore_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fakes, ada = _api(firestore_db)
    tenant = ada["tenant_id"]
    started = _started(fakes, ada["session"], sandbox)
    assert started["server"] == "secured" and started["expires_in_s"] == 600
    query = parse_qs(urlsplit(started["authorization_url"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["resource"] == [sandbox.url]
    assert _docs(firestore_db, tenant) == []  # nothing of the server before the callback
    assert set(_mcp_secrets(fakes)) == {pending_secret(tenant, "secured")}

    back = _callback(fakes, ada["session"], _approved(started["authorization_url"]))
    assert back.status_code == 303, back.get_data(as_text=True)
    assert back.headers["location"].endswith("#mcp=secured&connected=true")
    [doc] = _docs(firestore_db, tenant)
    assert doc["auth"] == "oauth" and "add" in {t["name"] for t in doc["tools"]}
    assert set(_mcp_secrets(fakes)) == {mcp_token_secret(tenant, "secured")}  # the pending one is gone
    grant = Grant.load(fakes.secrets.values[mcp_token_secret(tenant, "secured")])
    assert grant.tokens["refresh_token"] and grant.expires_at is not None and grant.client["client_id"]

    listed = client("api", fakes).get("/mcp/servers", headers=auth(ada["session"])).get_json()
    assert listed["servers"][0]["auth"] == "oauth"
    called = fakes.mcp.calls(tenant, "default").call("secured", "add", {"a": 2, "b": 40}, key="k1")
    assert called["result"] == "42" and not called["is_error"]
    secrets = (grant.tokens["access_token"], grant.tokens["refresh_token"], grant.client.get("client_secret"))
    for text in (json.dumps(doc), json.dumps(listed), caplog.text):
        assert not any(s and s in text for s in secrets)


def test_an_expired_access_token_is_refreshed_once_without_a_person(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada = _api(firestore_db)
    tenant, name = ada["tenant_id"], mcp_token_secret(ada["tenant_id"], "secured")
    started = _started(fakes, ada["session"], sandbox)
    assert _callback(fakes, ada["session"], _approved(started["authorization_url"])).status_code == 303
    assert sandbox.auth is not None
    before = Grant.load(fakes.secrets.values[name])
    assert before.expires_at is not None
    # The access token's expiry passed (as kept): the next call refreshes it first.
    fakes.secrets.values[name] = before.model_copy(update={"expires_at": before.expires_at - 7200}).dump()
    issued = sandbox.auth.issued
    calls = fakes.mcp.calls(tenant, "default")
    assert calls.call("secured", "lookup_city", {"name": "Paris"}, key="k1")["result"] == "France"
    after = Grant.load(fakes.secrets.values[name])
    assert sandbox.auth.issued == issued + 1
    assert after.tokens["access_token"] != before.tokens["access_token"]
    assert after.tokens["refresh_token"] != before.tokens["refresh_token"]  # the sandbox rotates it
    assert after.expires_at is not None and after.expires_at > before.expires_at - 60
    # The refreshed grant holds: the next call refreshes nothing.
    assert calls.call("secured", "add", {"a": 1, "b": 1}, key="k2")["result"] == "2"
    assert sandbox.auth.issued == issued + 1


def test_a_forged_reused_or_anothers_state_is_refused_and_nothing_is_stored(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada = _api(firestore_db)
    tenant = ada["tenant_id"]
    started = _started(fakes, ada["session"], sandbox)
    approved = _approved(started["authorization_url"])
    pending = dict(_mcp_secrets(fakes))

    forged = _callback(fakes, ada["session"], approved | {"state": approved["state"][:-2] + "xx"})
    assert forged.status_code == 400 and "not valid" in forged.get_json()["reason"]
    assert _docs(firestore_db, tenant) == [] and _mcp_secrets(fakes) == pending

    assert _callback(fakes, ada["session"], approved).status_code == 303
    kept = dict(_mcp_secrets(fakes))
    again = _callback(fakes, ada["session"], approved)
    assert again.status_code == 400 and "already used" in again.get_json()["reason"]
    assert _mcp_secrets(fakes) == kept and len(_docs(firestore_db, tenant)) == 1


def test_a_server_asking_for_no_oauth_is_refused_with_nothing_kept(firestore_db: Any) -> None:
    fakes, ada = _api(firestore_db)
    with McpSandbox("a-header-token-0123") as plain:
        body = {"name": "Plain", "url": plain.url}
        answer = client("api", fakes).post("/mcp/servers/oauth", json=body, headers=auth(ada["session"]))
    # The header-token sandbox answers 401 without its token, but publishes no OAuth metadata.
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert "nothing was stored" in answer.get_json()["reason"]
    assert _mcp_secrets(fakes) == {} and _docs(firestore_db, ada["tenant_id"]) == []


def test_a_state_another_admin_of_the_workspace_started_is_refused(sandbox: McpSandbox) -> None:
    people = team()
    instance = people.container.instance
    instance.settings = instance.settings.model_copy(update={"mcp_allow_loopback": True})
    started = _started(people.container, people.sessions["admin"], sandbox)
    approved = _approved(started["authorization_url"])
    pending = dict(_mcp_secrets(people.container))
    theirs = _callback(people.container, people.sessions["owner"], approved)
    assert theirs.status_code == 400 and "another person or workspace" in theirs.get_json()["reason"]
    assert _mcp_secrets(people.container) == pending and people.container.mcp.mcp_servers.list("t1") == []
    assert _callback(people.container, people.sessions["admin"], approved).status_code == 303
