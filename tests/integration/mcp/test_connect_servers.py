"""Connecting a remote MCP server through the api (``/mcp/servers``), against the MCP sandbox (the
SDK's FastMCP over streamable HTTP) with the real SDK client and the Firestore emulator: the tools
listed and kept, the token only in the secrets port (never in Firestore, an answer or a log line),
and every refusal (a wrong token, loopback without the local setting, garbage) a 400 with the
reason and nothing kept."""

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.adapters.firestore_servers import FirestoreMcpPolicies, FirestoreMcpServers
from shared.mcp.domain.servers import mcp_token_secret
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container

pytestmark = pytest.mark.integration
TOKEN = "mcp-sandbox-token-0123456789"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox(TOKEN) as served:
        yield served


def _api(firestore_db: Any, allow: bool = True) -> tuple[FakeContainer, dict[str, str]]:
    fakes = people_container(
        {"mcp_allow_loopback": allow},
        mcp_servers=FirestoreMcpServers(firestore_db),
        mcp_policies=FirestoreMcpPolicies(firestore_db),
    )
    return fakes, connect_as(fakes, ADA, "code-ada")


def _connected(
    sandbox: McpSandbox, firestore_db: Any
) -> tuple[FakeContainer, dict[str, str], Any, dict[str, str]]:
    """The api with the sandbox connected by the owner: the fakes, the owner, a client, its headers."""
    fakes, ada = _api(firestore_db)
    api, who = client("api", fakes), auth(ada["session"])
    body = {"name": "Sandbox", "url": sandbox.url, "token": TOKEN}
    assert api.post("/mcp/servers", json=body, headers=who).status_code == 200
    return fakes, ada, api, who


def _kept(firestore_db: Any, tenant_id: str) -> list[dict[str, Any]]:
    docs = firestore_db.collection("tenants").document(tenant_id).collection("mcp_servers").stream()
    return [d.to_dict() for d in docs]


def test_an_admin_connects_the_sandbox_and_its_tools_are_kept_without_the_token(
    sandbox: McpSandbox, firestore_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fakes, ada = _api(firestore_db)
    api = client("api", fakes)
    caplog.set_level(logging.DEBUG)
    body = {"name": "Sandbox", "url": sandbox.url, "token": TOKEN}
    answer = api.post("/mcp/servers", json=body, headers=auth(ada["session"]))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    view = answer.get_json()
    tools = {t["name"]: t for t in view["tools"]}
    assert set(tools) == {"add", "lookup_city", "create_note", "slow_echo", "always_fails", "hostile_summary"}
    assert tools["add"]["read_only"] and not tools["create_note"]["read_only"]
    assert tools["add"]["input_schema"]["properties"]["a"]["type"] == "integer"
    [doc] = _kept(firestore_db, ada["tenant_id"])
    assert doc["url"] == sandbox.url and len(doc["tools"]) == 6
    assert fakes.secrets.values[mcp_token_secret(ada["tenant_id"], "sandbox")] == TOKEN
    listed = api.get("/mcp/servers", headers=auth(ada["session"]))
    assert listed.status_code == 200 and listed.get_json()["servers"][0]["id"] == "sandbox"
    for text in (json.dumps(doc), answer.get_data(as_text=True), listed.get_data(as_text=True), caplog.text):
        assert TOKEN not in text

    gone = api.delete("/mcp/servers/sandbox", headers=auth(ada["session"]))
    assert gone.status_code == 200 and gone.get_json() == {
        "id": "sandbox",
        "connected": False,
        "revocation": "none",  # a header token: nothing to revoke
        "revocation_why": "",
    }
    assert _kept(firestore_db, ada["tenant_id"]) == []
    assert mcp_token_secret(ada["tenant_id"], "sandbox") not in fakes.secrets.values
    assert api.delete("/mcp/servers/sandbox", headers=auth(ada["session"])).status_code == 404


def _refused(fakes: FakeContainer, session: str, body: dict[str, Any], field: str, words: str) -> None:
    answer = client("api", fakes).post("/mcp/servers", json=body, headers=auth(session))
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()
    assert words in error["reason"] and {"field": field} in error["fields"], error
    assert not any(name.startswith("sync-mcp-") for name in fakes.secrets.values)


def test_a_wrong_token_is_refused_and_nothing_is_kept(sandbox: McpSandbox, firestore_db: Any) -> None:
    fakes, ada = _api(firestore_db)
    body = {"name": "Sandbox", "url": sandbox.url, "token": "not-the-token-123"}
    _refused(fakes, ada["session"], body, "token", "refused the token (HTTP 401)")
    assert _kept(firestore_db, ada["tenant_id"]) == []


def test_loopback_is_refused_without_the_local_setting(sandbox: McpSandbox, firestore_db: Any) -> None:
    fakes, ada = _api(firestore_db, allow=False)
    body = {"name": "Sandbox", "url": sandbox.url, "token": TOKEN}
    _refused(fakes, ada["session"], body, "url", "https://")
    https = {"name": "Sandbox", "url": sandbox.url.replace("http://", "https://"), "token": TOKEN}
    _refused(fakes, ada["session"], https, "url", "loopback")
    metadata = {"name": "Meta", "url": "http://169.254.169.254/computeMetadata/v1", "token": TOKEN}
    fakes_local, ada_local = _api(firestore_db, allow=True)
    _refused(fakes_local, ada_local["session"], metadata, "url", "https://")
    assert _kept(firestore_db, ada["tenant_id"]) == []


def test_a_server_listing_a_tool_mcp_refuses_is_refused(firestore_db: Any) -> None:
    fakes, ada = _api(firestore_db)
    with McpSandbox(TOKEN, garbage=True) as careless:
        body = {"name": "Careless", "url": careless.url, "token": TOKEN}
        _refused(fakes, ada["session"], body, "url", "name must be 1 to 64 letters")
    assert _kept(firestore_db, ada["tenant_id"]) == []


class _NotMcp(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b'{"hello": "this is no MCP server"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_server_answering_garbage_is_refused_with_the_reason(firestore_db: Any) -> None:
    fakes, ada = _api(firestore_db)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotMcp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
        _refused(fakes, ada["session"], {"name": "Junk", "url": url, "token": TOKEN}, "url", "not MCP")
    finally:
        server.shutdown()
    assert _kept(firestore_db, ada["tenant_id"]) == []


def test_nobody_signed_out_connects(sandbox: McpSandbox, firestore_db: Any) -> None:
    """Without a session: 401 (every role below admin: the role matrix, tests/roles)."""
    fakes, ada = _api(firestore_db)
    body = {"name": "S", "url": sandbox.url, "token": TOKEN}
    assert client("api", fakes).post("/mcp/servers", json=body).status_code == 401
    assert _kept(firestore_db, ada["tenant_id"]) == []


def test_an_admin_sets_each_tools_policy_per_agent_and_reads_what_it_promises(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    _, ada, api, who = _connected(sandbox, firestore_db)
    tools = {t["tool"]: t for t in api.get("/mcp/policies/default", headers=who).get_json()["tools"]}
    assert (tools["add"]["policy"], tools["create_note"]["policy"]) == ("allowed", "ask")  # the defaults
    assert tools["create_note"]["once"].startswith("at most once")
    assert tools["add"]["once"].startswith("cannot promise once")
    for tool, policy in (("create_note", "off"), ("add", "ask")):
        change = {"server": "sandbox", "tool": tool, "policy": policy}
        assert api.put("/mcp/policies/default", json=change, headers=who).status_code == 200
    tools = {t["tool"]: t for t in api.get("/mcp/policies/default", headers=who).get_json()["tools"]}
    assert (tools["create_note"]["policy"], tools["add"]["policy"], tools["add"]["set"]) == (
        "off",
        "ask",
        True,
    )
    kept = firestore_db.document(f"tenants/{ada['tenant_id']}/mcp_policies/default").get().to_dict()
    assert kept == {"tools": {"sandbox/create_note": "off", "sandbox/add": "ask"}}  # both kept
    for wrong, code, words in (
        ({"server": "sandbox", "tool": "nope", "policy": "off"}, 400, "tool"),
        ({"server": "other", "tool": "add", "policy": "off"}, 400, "server"),
        ({"server": "sandbox", "tool": "add", "policy": "sometimes"}, 400, "policy"),
    ):
        answer = api.put("/mcp/policies/default", json=wrong, headers=who)
        assert answer.status_code == code and words in answer.get_json()["reason"], answer.get_json()
    change = {"server": "sandbox", "tool": "add", "policy": "off"}
    assert api.put("/mcp/policies/no-such-agent", json=change, headers=who).status_code == 404


def test_erasing_the_workspace_forgets_its_mcp_servers_and_their_tokens(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    fakes, ada, api, who = _connected(sandbox, firestore_db)
    assert mcp_token_secret(ada["tenant_id"], "sandbox") in fakes.secrets.values
    name = api.get("/session", headers=who).get_json()["workspace_name"]
    erased = api.post("/workspace/erase", json={"confirm": name}, headers=who)
    assert erased.status_code == 200, erased.get_data(as_text=True)
    assert mcp_token_secret(ada["tenant_id"], "sandbox") not in fakes.secrets.values
    assert _kept(firestore_db, ada["tenant_id"]) == []


def test_a_paused_server_is_shown_paused_and_an_admin_resumes_it(
    sandbox: McpSandbox, firestore_db: Any
) -> None:
    _, ada, api, who = _connected(sandbox, firestore_db)
    servers = FirestoreMcpServers(firestore_db)
    for _ in range(5):
        servers.outcome(ada["tenant_id"], "sandbox", False, 5, datetime.now(UTC))
    [shown] = api.get("/mcp/servers", headers=who).get_json()["servers"]
    assert shown["paused_at"] and shown["paused_why"] == "5 failed calls in a row" and shown["failures"] == 5
    resumed = api.post("/mcp/servers/sandbox/resume", headers=who)
    assert resumed.status_code == 200, resumed.get_data(as_text=True)
    assert resumed.get_json()["paused_at"] is None and resumed.get_json()["failures"] == 0
    [shown] = api.get("/mcp/servers", headers=who).get_json()["servers"]
    assert shown["paused_at"] is None and shown["paused_why"] == ""
    assert api.post("/mcp/servers/nothing-here/resume", headers=who).status_code == 404
