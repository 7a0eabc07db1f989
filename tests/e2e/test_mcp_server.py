"""The product as an MCP server (``POST /mcp``, decision 0186) on the whole local stack, through the
official SDK's client (``mcp.client.streamable_http``) with API keys. The owner's key searches, lists
agents, starts a run, follows it and decides its request by its id (a key may reject an effect; only
a person approves one). A key holds to its person's reach:
a member's hides the owner's run, another tenant's finds none of it. A key without ``runs:start``
starts nothing. And ``make demo``'s MCP part: an agent calls the MCP sandbox's tool once allowed, and
its MCP client asks and starts a run."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from local.demo import Demo, connect, http, wait_for
from local.demo_mcp import mcp_agent, mcp_client, session_calls
from local.stack import LocalStack

pytestmark = pytest.mark.e2e
ALL = ["read", "runs:start", "runs:decide", "runs:control"]
NOTE = 'Create a note with the create_note tool, title "Asked" body "by an MCP client"'


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    env = {"NA_API_PERSON_PER_MIN": "6000", "NA_API_BURST": "200", "NA_WORKSPACE_INDEX": "true"}
    with LocalStack(extra_env=env) as running:
        yield running


class Team:
    """The demo workspace connected by its owner (``owner``: the browser's headers), its Ideas and
    Tasks chosen (and so indexed)."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack, self.api = stack, stack.url_of_api()
        self.ids = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]
        stack.sandbox_admin("POST", "/oauth", {"workspace": "demo", "user_id": None})
        self.owner = connect(stack)
        chosen = {"data_source_ids": [self.ids["ideas_data_source"], self.ids["tasks_data_source"]]}
        assert self.call("PATCH", "/settings", self.owner, chosen)[0] == 200

    def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
        status, answer, _ = http(method, self.api + path, body, headers)
        return status, answer

    def editor(self) -> dict[str, str]:
        """Grace, invited as an editor, signed in through Notion: her browser's headers."""
        email = "grace@demo.example"  # the sandbox's teammate's Notion email
        status, made = self.call("POST", "/team/invites", self.owner, {"email": email, "role": "editor"})
        assert status == 201, made
        code = str(made["link"]).rsplit("#invite=", 1)[1].split("&", 1)[0]
        self.stack.sandbox_admin("POST", "/oauth", {"user_id": self.ids["teammate"]})
        try:
            return connect(self.stack, invite=code)
        finally:
            self.stack.sandbox_admin("POST", "/oauth", {"user_id": None})


@pytest.fixture(scope="module")
def team(stack: LocalStack) -> Team:
    return Team(stack)


def _key(team: Team, who: dict[str, str], scopes: list[str]) -> str:
    status, made = team.call("POST", "/api-keys", who, {"name": "MCP client", "scopes": scopes})
    assert status == 201, made
    return str(made["key"])


def _calls(stack: LocalStack, key: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    return asyncio.run(session_calls(stack.url_of_api() + "/mcp", key, list(calls)))[1]


def _refusal(stack: LocalStack, key: str, tool: str, arguments: dict[str, Any]) -> str:
    with pytest.raises(RuntimeError) as refused:
        _calls(stack, key, (tool, arguments))
    return str(refused.value)


def test_the_owners_key_starts_follows_and_decides_a_run(stack: LocalStack, team: Team) -> None:
    key = _key(team, team.owner, ALL)
    tools, _ = asyncio.run(session_calls(stack.url_of_api() + "/mcp", key, []))
    assert set(tools) == {"ask", "search_workspace", "list_agents", "start_run", "follow_run", "decide"}
    [agents] = _calls(stack, key, ("list_agents", {}))
    assert "default" in [a["agent_id"] for a in agents["agents"]]
    team.call(
        "POST",
        "/mcp/servers",
        team.owner,
        {"name": "Sandbox", "url": stack.mcp.url, "token": "local-mcp-token"},
    )
    notes = len(stack.mcp.state.notes)
    [started] = _calls(stack, key, ("start_run", {"goal": NOTE, "agent_id": "default"}))
    run_id = started["run_id"]
    waiting = wait_for(lambda: _state(stack, key, run_id, "waiting_for_human"), "the run to ask", 90)
    assert len(stack.mcp.state.notes) == notes  # ask first: nothing called before the approval
    request = waiting["waiting"]["request_id"]
    wrong = _refusal(
        stack, key, "decide", {"run_id": run_id, "request_id": "effect-0-x", "decision": "approve"}
    )
    assert "no longer waits for request effect-0-x" in wrong  # bound to the exact request
    approve = {"run_id": run_id, "request_id": request, "decision": "approve"}
    assert "only a person approves" in _refusal(stack, key, "decide", approve)  # a key: never an effect
    _calls(stack, key, ("decide", approve | {"decision": "reject"}))
    ended = wait_for(lambda: _ended(stack, key, run_id), "the rejected run to end", 90)
    assert ended["status"] != "waiting_for_human" and len(stack.mcp.state.notes) == notes
    assert any(e["kind"] == "human_responded" and e.get("decision") == "reject" for e in ended["events"])
    found = wait_for(lambda: _indexed(stack, key), "the chosen rows' index", 90)
    assert all(r["url"] and r["text"] for r in found)
    [asked] = _calls(stack, key, ("ask", {"question": "What do we draft the newsletter from?"}))
    assert asked["cited"] and asked["conversation_id"]


def _state(stack: LocalStack, key: str, run_id: str, status: str) -> dict[str, Any] | None:
    """The run once in ``status``; None before (or before planning made it: not found yet)."""
    try:
        [run] = _calls(stack, key, ("follow_run", {"run_id": run_id}))
    except RuntimeError as exc:
        if "not_found" in str(exc):
            return None
        raise
    assert run["status"] not in {"failed", "cancelled"}, run
    return run if run["status"] == status else None


def _ended(stack: LocalStack, key: str, run_id: str) -> dict[str, Any] | None:
    [run] = _calls(stack, key, ("follow_run", {"run_id": run_id}))
    return run if run["status"] in {"completed", "failed", "cancelled"} else None


def _indexed(stack: LocalStack, key: str) -> list[Any]:
    [found] = _calls(stack, key, ("search_workspace", {"query": "newsletter"}))
    return list(found["results"])


def test_a_key_holds_to_its_persons_reach_and_its_tenant(stack: LocalStack, team: Team) -> None:
    owner = _key(team, team.owner, ALL)
    [started] = _calls(stack, owner, ("start_run", {"goal": "Write a note about the launch"}))
    run_id = started["run_id"]
    wait_for(lambda: _state(stack, owner, run_id, "completed"), "the owner's run to end", 90)
    theirs = {r["page_id"] for r in wait_for(lambda: _indexed(stack, owner), "the index", 90)}
    assert theirs
    member = _key(team, team.editor(), ALL)
    [seen] = _calls(stack, member, ("follow_run", {"run_id": run_id}))
    assert "launch" not in str(seen.get("goal")) and "launch" not in str(seen.get("summary"))
    [again] = _calls(stack, owner, ("follow_run", {"run_id": run_id}))
    assert "launch" in again["goal"]  # the owner's key sees it whole: the member's hid it
    stack.sandbox_admin("POST", "/workspaces", {"key": "other", "seed": "demo"})
    stack.sandbox_admin("POST", "/oauth", {"workspace": "other", "user_id": None})
    other = _key(team, connect(stack, workspace="other"), ALL)
    assert "not_found" in _refusal(stack, other, "follow_run", {"run_id": run_id})
    [found] = _calls(stack, other, ("search_workspace", {"query": "newsletter"}))
    assert not {r["page_id"] for r in found["results"]} & theirs


def test_a_key_without_runs_start_starts_nothing(stack: LocalStack, team: Team) -> None:
    key = _key(team, team.owner, ["read"])
    before = team.call("GET", "/runs?limit=100", team.owner)[1]["runs"]
    said = _refusal(stack, key, "start_run", {"goal": "Write a note about the launch"})
    assert "lacks the scope 'runs:start'" in said
    assert team.call("GET", "/runs?limit=100", team.owner)[1]["runs"] == before
    bad = _refusal(stack, _key(team, team.owner, ALL), "start_run", {"goal": "   "})
    assert "goal" in bad  # input off the route's model: a tool error with its reason


def test_the_demos_agent_and_client(stack: LocalStack, team: Team) -> None:
    demo = Demo(stack)
    demo.auth = team.owner
    http("DELETE", stack.url_of_api() + "/mcp/servers/sandbox", None, team.owner)  # connected afresh
    done = mcp_agent(demo)
    assert done["run"]["status"] == "completed", done["run"]
    assert done["notes"] == [{"title": "Demo", "body": "made by an agent of make demo"}]
    client = mcp_client(demo, "What do we draft the newsletter from?")
    assert client["asked"]["answer"] and client["run"]["summary"] == "sandbox/lookup_city answered: France"
