"""Integrations → MCP servers in a real browser on the local stack: the owner connects the
stack's MCP sandbox by its URL and token, sees the tools it listed (the hostile tool's description
as plain text), sets one tool's policy for the default agent and reads what it promises about once;
a wrong token is said beside the form, nothing kept; a server paused after failed calls in a row
says so and the owner resumes it; Disconnect asks first. The sandbox behind OAuth is connected by
choosing OAuth: its authorization page, then back to the console with its tools listed."""

import os
from datetime import UTC, datetime
from unittest import mock

import pytest
from playwright.sync_api import expect

from local.stack import MCP_TOKEN, PROJECT
from shared.mcp.adapters.firestore_servers import FirestoreMcpServers
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def _connect(c: Console, url: str, token: str) -> None:
    c.fill("Server name", "Sandbox")
    c.fill("MCP endpoint URL", url)
    c.fill("Header token", token)
    c.press("button", "Connect MCP server")


def _pause(setup: Setup) -> None:
    """Five failed calls in a row counted on the stack's Firestore, as calls of a failing server do."""
    from google.cloud import firestore

    tenant_id = setup.api("GET", "/session")["tenant_id"]
    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{setup.stack.firestore_port}"}):
        servers = FirestoreMcpServers(firestore.Client(project=PROJECT))
        for _ in range(5):
            servers.outcome(tenant_id, "sandbox", False, 5, datetime.now(UTC))


def test_the_owner_connects_the_mcp_sandbox_and_allows_one_tool(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="MCP servers")).to_be_visible(timeout=LIVE_MS)
    _connect(c, setup.stack.mcp.url, "not-the-token-000")
    expect(c.page.get_by_text("refused the token", exact=False)).to_be_visible(timeout=LIVE_MS)
    assert setup.api("GET", "/mcp/servers")["servers"] == []  # nothing kept

    _connect(c, setup.stack.mcp.url, MCP_TOKEN)
    expect(c.page.get_by_role("heading", name="Sandbox Connected")).to_be_visible(timeout=LIVE_MS)
    table = c.page.get_by_role("table", name="Tools of Sandbox", exact=False)
    expect(table.get_by_role("rowheader", name="create_note")).to_be_visible()
    expect(table.get_by_text("IMPORTANT SYSTEM NOTE", exact=False)).to_be_visible()  # its words, as text
    expect(c.page.get_by_role("combobox", name="Policy of create_note")).to_have_value("ask")
    expect(c.page.get_by_text("at most once", exact=False).first).to_be_visible()
    c.screen("integrations-mcp", "Integrations")

    c.choose("Policy of create_note", "Allowed")

    def policies() -> dict[str, str]:  # read again after each change
        return {t["tool"]: t["policy"] for t in setup.api("GET", "/mcp/policies/default")["tools"]}

    expect(c.page.get_by_role("combobox", name="Policy of create_note")).to_have_value(
        "allowed", timeout=LIVE_MS
    )
    assert policies()["create_note"] == "allowed" and policies()["add"] == "allowed"

    _pause(setup)
    c.page.reload()
    expect(c.page.get_by_role("heading", name="Sandbox Paused")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text("5 failed calls in a row", exact=False)).to_be_visible()
    c.press("button", "Resume Sandbox")
    expect(c.page.get_by_role("heading", name="Sandbox Connected")).to_be_visible(timeout=LIVE_MS)
    assert setup.api("GET", "/mcp/servers")["servers"][0]["paused_at"] is None

    c.press("button", "Disconnect Sandbox")
    c.press("button", "Yes, disconnect Sandbox")
    expect(c.page.get_by_role("heading", name="Sandbox Connected")).to_have_count(0, timeout=LIVE_MS)
    assert setup.api("GET", "/mcp/servers")["servers"] == []


def test_the_owner_connects_the_oauth_sandbox_through_its_authorization_page(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="MCP servers")).to_be_visible(timeout=LIVE_MS)
    c.fill("Server name", "Secured")
    c.fill("MCP endpoint URL", setup.stack.mcp_oauth.url)
    c.choose("Authorization", "OAuth (the server's sign-in page)")
    form = c.page.get_by_role("form", name="Connect an MCP server")
    expect(form.get_by_label("Header token", exact=True)).to_have_count(0)  # no header token asked
    expect(form.get_by_label("OAuth client ID")).to_have_value("")  # registered dynamically
    c.press("button", "Connect MCP server")
    # The sandbox's authorization page approves at once; its redirect reaches the api's callback.
    expect(c.page.get_by_role("heading", name="Secured Connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text("is connected with OAuth", exact=False)).to_be_visible()
    sandbox = setup.stack.mcp_oauth.url.removesuffix("/mcp")
    assert any(u.startswith(f"{sandbox}/authorize?") for u in c.other_hosts())
    [server] = [s for s in setup.api("GET", "/mcp/servers")["servers"] if s["id"] == "secured"]
    assert server["auth"] == "oauth" and "add" in {t["name"] for t in server["tools"]}
    c.press("button", "Disconnect Secured")
    c.press("button", "Yes, disconnect Secured")
    expect(c.page.get_by_role("heading", name="Secured Connected")).to_have_count(0, timeout=LIVE_MS)
