"""The product's MCP tools (functions/routes/mcp_api/workspace_tools.py) hold to the api routes they
stand for: each tool's scope and least role are its route's row in the table, and the SDK's server
lists exactly those tools, each with an input schema bounding what it takes. Through the api (over
fakes): what is no MCP message is a 400, a stream a 405, and a refusal a tool error with its reason."""

import asyncio
from typing import Any

from flask.testing import FlaskClient

from functions.routes.mcp_api.workspace_tools import ACCESS, server
from functions.routes.table import ROUTES
from tests.support.platform.fake_container import client, json_body
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container


def test_each_tool_needs_what_its_route_needs() -> None:
    rows = {f"{m} {r.path}": r for r in ROUTES for m in r.methods}
    for tool, (route, scope, role) in ACCESS.items():
        row = rows[route]
        assert (row.scope, row.role) == (scope, role), f"{tool} must need what {route} needs"


def test_the_server_lists_the_tools_with_bounded_inputs() -> None:
    listed = {t.name: t for t in asyncio.run(server().list_tools())}
    assert set(listed) == set(ACCESS)
    assert listed["start_run"].inputSchema["properties"]["goal"]["maxLength"] == 2000
    assert listed["decide"].inputSchema["required"] == ["run_id", "request_id", "decision"]
    assert listed["follow_run"].annotations is not None and listed["follow_run"].annotations.readOnlyHint


def _api() -> tuple[FlaskClient, dict[str, str]]:
    """The api over fakes with Ada's workspace connected: a client and her session's headers."""
    fakes = people_container()
    ada = connect_as(fakes, ADA, "code-ada")
    return client("api", fakes), auth(ada["session"])


def _tool(api: FlaskClient, key: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    answer = api.post("/mcp", json=body, headers=auth(key))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    result: dict[str, Any] = json_body(answer)["result"]
    return result


def test_what_is_no_mcp_message_is_a_400_and_a_stream_a_405() -> None:
    api, ada = _api()
    refused = api.post("/mcp", json={"method": "tools/list"}, headers=ada)
    assert refused.status_code == 400 and "jsonrpc" in refused.get_data(as_text=True)
    # an id past the contract's 200 characters, or a digits' string read as a number: refused as it says
    for odd in ("0" * 201, 1.5, True):
        message = {"jsonrpc": "2.0", "id": odd, "method": "tools/list"}
        long_id = api.post("/mcp", json=message, headers=ada)
        assert long_id.status_code == 400 and '"id' in long_id.get_data(as_text=True), odd
    streamed = api.get("/mcp", headers=ada)
    assert streamed.status_code == 405 and streamed.headers["Allow"] == "POST"


def test_a_key_without_the_scope_and_input_off_the_model_are_tool_errors_with_reasons() -> None:
    api, ada = _api()
    reader = make_key_via(api, ada, ["read"])
    said = _tool(api, reader, "start_run", {"goal": "Write a note"})
    assert said["isError"] and "lacks the scope 'runs:start'" in said["content"][0]["text"]
    starter = make_key_via(api, ada, ["read", "runs:start"])
    long = _tool(api, starter, "start_run", {"goal": "x" * 2001})
    assert long["isError"] and "goal" in long["content"][0]["text"]
    spaces = _tool(api, starter, "start_run", {"goal": "   "})
    assert spaces["isError"] and "goal" in spaces["content"][0]["text"]
    listed = _tool(api, reader, "list_agents", {})
    assert not listed["isError"] and listed["structuredContent"]["agents"][0]["agent_id"] == "default"


def make_key_via(api: FlaskClient, session: dict[str, str], scopes: list[str]) -> str:
    made = api.post("/api-keys", json={"name": "MCP client", "scopes": scopes}, headers=session)
    assert made.status_code == 201, made.get_data(as_text=True)
    return str(json_body(made)["key"])
