"""A tool a workspace adds, as a person does it on `make stack`'s own stack, following only what the
docs and screens say: the owner connects the stack's MCP sandbox at Integrations → MCP servers with the
endpoint and token `make stack` prints, allows its create_note tool for the default agent, then starts
a run from the Runs screen in the words docs/local-stack.md gives for a tool's call. The run calls the
tool once, asking nobody (the owner allowed it), and ends completed."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from local.stack import MCP_TOKEN
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
GOAL = 'create a note with the create_note tool, title "Monday" body "plan the week"'  # docs/local-stack.md
RUN_MS = 120_000  # planned and carried out through the Cloud Tasks emulator, on a busy machine


@pytest.mark.person_flow
def test_the_owner_connects_an_mcp_server_allows_one_tool_and_a_run_uses_it(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="MCP servers")).to_be_visible(timeout=LIVE_MS)
    c.fill("Server name", "Sandbox")
    c.fill("MCP endpoint URL", setup.stack.mcp.url)  # make stack prints it, and the token, as mcp_sandbox
    c.fill("Header token", MCP_TOKEN)
    c.press("button", "Connect MCP server")
    expect(c.page.get_by_role("heading", name="Sandbox Connected")).to_be_visible(timeout=LIVE_MS)
    policy = c.page.get_by_role("combobox", name="Policy of create_note")
    expect(policy).to_have_value("ask")  # what is not plainly read-only asks first
    c.choose("Policy of create_note", "Allowed")
    expect(policy).to_have_value("allowed", timeout=LIVE_MS)

    made = [n for n in setup.stack.mcp.state.notes if n["title"] == "Monday"]
    c.open("/#/runs")
    c.fill("New run's goal", GOAL)
    c.press("button", "Start", exact=True)
    expect(c.page.locator("#run-status")).to_contain_text(re.compile("Completed", re.I), timeout=RUN_MS)
    run_id = c.page.url.rsplit("/", 1)[-1]

    run: dict[str, Any] = setup.api("GET", f"/runs/{run_id}")
    assert run["status"] == "completed", run["summary"]
    kinds = [e["kind"] for e in run["events"]]
    assert "human_requested" not in kinds  # allowed: nobody was asked
    calls = [e for e in run["events"] if e["kind"] == "tool_result" and e.get("tool") == "call_mcp"]
    assert len(calls) == 1, kinds
    now = [n for n in setup.stack.mcp.state.notes if n["title"] == "Monday"]
    assert now[len(made) :] == [{"title": "Monday", "body": "plan the week"}]  # made once
