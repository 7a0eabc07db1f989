"""OAuth connects beyond dynamic registration, and what a removal and an erasure leave, through the api
against the MCP sandbox's SDK authorization server and the Firestore emulator: a client registered by
hand (its secret kept in the secrets port only, never echoed) used where registration is off; a
removed server's tokens revoked where RFC 7009 is offered, its secrets deleted either way, a failed
revocation said and logged; a connect never finished forgotten by an erasure and once expired."""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.adapters.firestore_servers import FirestoreMcpServers
from shared.mcp.domain.oauth import Grant, pending_secret
from shared.mcp.domain.servers import mcp_token_secret
from tests.support.mcp.oauth_flow import CALLBACK, api, connected, docs, mcp_secrets, start
from tests.support.platform.fake_container import client
from tests.support.team.api_keys import auth

pytestmark = pytest.mark.integration


@pytest.fixture
def closed() -> Iterator[McpSandbox]:
    """The sandbox behind OAuth whose authorization server offers no dynamic registration."""
    with McpSandbox("unused-header-token", oauth=True, without=("registration",)) as served:
        yield served


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("unused-header-token", oauth=True) as served:
        yield served


def test_without_dynamic_registration_a_connect_needs_a_client_registered_by_hand(
    closed: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada = api(firestore_db)
    refused = start(fakes, ada["session"], closed)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert "register a client there by hand and give its client_id" in refused.get_json()["reason"]
    assert mcp_secrets(fakes) == {} and docs(firestore_db, ada["tenant_id"], "mcp_pending") == []


def test_a_client_registered_by_hand_connects_and_its_secret_is_never_echoed(
    closed: McpSandbox, firestore_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert closed.auth is not None
    by_hand = closed.auth.preregister(CALLBACK)
    secret = str(by_hand.client_secret)
    fakes, ada = api(firestore_db)
    tenant = ada["tenant_id"]
    begun = start(fakes, ada["session"], closed, client_id=str(by_hand.client_id), client_secret=secret)
    assert begun.status_code == 200, begun.get_data(as_text=True)
    assert f"client_id={by_hand.client_id}" in begun.get_json()["authorization_url"]
    assert secret not in begun.get_data(as_text=True)
    connected(fakes, ada["session"], closed, client_id=str(by_hand.client_id), client_secret=secret)
    grant = Grant.load(fakes.secrets.values[mcp_token_secret(tenant, "secured")])
    assert grant.client["client_id"] == by_hand.client_id and grant.client["client_secret"] == secret
    assert len(closed.auth.clients) == 1  # nothing was registered: the token endpoint took our secret
    called = fakes.mcp.calls(tenant, "default").call("secured", "add", {"a": 2, "b": 3}, key="k1")
    assert called["result"] == "5"
    listed = client("api", fakes).get("/mcp/servers", headers=auth(ada["session"])).get_data(as_text=True)
    for text in (listed, json.dumps(docs(firestore_db, tenant)), caplog.text):
        assert secret not in text


def test_a_public_client_registered_by_hand_connects_with_pkce_alone(
    closed: McpSandbox, firestore_db: Any
) -> None:
    assert closed.auth is not None
    public = closed.auth.preregister(CALLBACK, secret=False)
    fakes, ada = api(firestore_db)
    connected(fakes, ada["session"], closed, client_id=str(public.client_id))
    grant = Grant.load(fakes.secrets.values[mcp_token_secret(ada["tenant_id"], "secured")])
    assert grant.client["token_endpoint_auth_method"] == "none" and "client_secret" not in grant.client


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"client_secret": "a-secret-without-its-id"}, "client_id"),
        ({"client_id": "has space"}, "client_id"),
        ({"client_id": "by-hand", "client_secret": "x" * 1001}, "client_secret"),
    ],
)
def test_a_client_given_badly_is_a_400_naming_the_field(
    closed: McpSandbox, firestore_db: Any, fields: dict[str, str], named: str
) -> None:
    fakes, ada = api(firestore_db)
    refused = start(fakes, ada["session"], closed, **fields)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert refused.get_json()["reason"].startswith(f"{named}:")
    assert mcp_secrets(fakes) == {}


def test_removing_an_oauth_server_revokes_its_tokens_and_deletes_its_secrets(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    assert sandbox.auth is not None
    fakes, ada = api(firestore_db)
    connected(fakes, ada["session"], sandbox)
    grant = Grant.load(fakes.secrets.values[mcp_token_secret(ada["tenant_id"], "secured")])
    assert grant.tokens["access_token"] in sandbox.auth.access
    assert grant.tokens["refresh_token"] in sandbox.auth.refresh
    removed = client("api", fakes).delete("/mcp/servers/secured", headers=auth(ada["session"]))
    assert removed.status_code == 200, removed.get_data(as_text=True)
    assert removed.get_json() == {
        "id": "secured",
        "connected": False,
        "revocation": "revoked",
        "revocation_why": "",
    }
    assert grant.tokens["access_token"] not in sandbox.auth.access
    assert grant.tokens["refresh_token"] not in sandbox.auth.refresh
    assert mcp_secrets(fakes) == {} and docs(firestore_db, ada["tenant_id"]) == []


def test_a_failed_revocation_is_said_and_logged_and_the_server_is_removed_anyway(
    firestore_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fakes, ada = api(firestore_db)
    with McpSandbox("unused-header-token", oauth=True) as sandbox:
        connected(fakes, ada["session"], sandbox)
    grant = fakes.secrets.values[mcp_token_secret(ada["tenant_id"], "secured")]
    # The server is gone: its authorization server cannot be reached to revoke anything.
    removed = client("api", fakes).delete("/mcp/servers/secured", headers=auth(ada["session"]))
    assert removed.status_code == 200, removed.get_data(as_text=True)
    said = removed.get_json()
    assert said["revocation"] == "failed" and "could not be reached" in said["revocation_why"]
    assert "we deleted our copy" in said["revocation_why"]
    assert mcp_secrets(fakes) == {} and docs(firestore_db, ada["tenant_id"]) == []
    [line] = [r for r in caplog.records if "revoking the tokens of secured failed" in r.getMessage()]
    assert line.levelno == logging.WARNING
    tokens = Grant.load(grant).tokens
    assert tokens["access_token"] not in caplog.text and tokens["refresh_token"] not in caplog.text


def test_a_server_offering_no_revocation_is_removed_and_that_is_said(firestore_db: Any) -> None:
    fakes, ada = api(firestore_db)
    with McpSandbox("unused-header-token", oauth=True, without=("revocation",)) as sandbox:
        connected(fakes, ada["session"], sandbox)
        removed = client("api", fakes).delete("/mcp/servers/secured", headers=auth(ada["session"]))
    assert removed.status_code == 200, removed.get_data(as_text=True)
    assert removed.get_json()["revocation"] == "not_offered"
    assert "RFC 7009" in removed.get_json()["revocation_why"]
    assert mcp_secrets(fakes) == {}


def test_erasing_the_workspace_forgets_a_connect_never_finished(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada = api(firestore_db)
    tenant, who = ada["tenant_id"], auth(ada["session"])
    assert start(fakes, ada["session"], sandbox).status_code == 200  # the person never comes back
    assert set(mcp_secrets(fakes)) == {pending_secret(tenant, "secured")}
    assert [d["expires_at"] for d in docs(firestore_db, tenant, "mcp_pending")]
    name = client("api", fakes).get("/session", headers=who).get_json()["workspace_name"]
    erased = client("api", fakes).post("/workspace/erase", json={"confirm": name}, headers=who)
    assert erased.status_code == 200, erased.get_data(as_text=True)
    assert mcp_secrets(fakes) == {}
    assert docs(firestore_db, tenant, "mcp_pending") == []


def test_erasing_the_workspace_revokes_an_oauth_servers_tokens(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    assert sandbox.auth is not None
    fakes, ada = api(firestore_db)
    who = auth(ada["session"])
    connected(fakes, ada["session"], sandbox)
    grant = Grant.load(fakes.secrets.values[mcp_token_secret(ada["tenant_id"], "secured")])
    name = client("api", fakes).get("/session", headers=who).get_json()["workspace_name"]
    erased = client("api", fakes).post("/workspace/erase", json={"confirm": name}, headers=who)
    assert erased.status_code == 200, erased.get_data(as_text=True)
    assert grant.tokens["access_token"] not in sandbox.auth.access
    assert grant.tokens["refresh_token"] not in sandbox.auth.refresh
    assert mcp_secrets(fakes) == {}


def test_a_connect_past_its_time_is_forgotten_at_the_next_listing(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada = api(firestore_db)
    tenant = ada["tenant_id"]
    assert start(fakes, ada["session"], sandbox).status_code == 200
    servers = FirestoreMcpServers(firestore_db)
    [until] = servers.pending(tenant).values()
    assert timedelta(minutes=9) < until - datetime.now(UTC) <= timedelta(minutes=10)
    listing = client("api", fakes).get("/mcp/servers", headers=auth(ada["session"]))
    assert listing.status_code == 200 and set(mcp_secrets(fakes)) == {pending_secret(tenant, "secured")}
    servers.put_pending(tenant, "secured", datetime.now(UTC) - timedelta(seconds=1))  # its time is over
    assert client("api", fakes).get("/mcp/servers", headers=auth(ada["session"])).status_code == 200
    assert mcp_secrets(fakes) == {} and servers.pending(tenant) == {}
