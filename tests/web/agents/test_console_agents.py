"""The Agents screen in a real browser, keyboard only, against the whole local stack: the default
agent listed; an agent made with its instructions written into a Notion page; a member's edit of
that page shown and accepted; a weekly schedule added; the agent paused, resumed and deleted. The
tests run in order, as one person's visit (each is one flow of the RESULT line)."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from local.stack import LocalStack
from tests.web.browser import Console, Figures, console_tab
from tests.web.workspace import teammate_adds

pytestmark = pytest.mark.e2e
LIVE_S = 30_000
HERS = "Also list the open invoices."


class Visit:
    def __init__(self, console: Console, stack: LocalStack, workspace: str) -> None:
        self.console, self.stack, self.workspace = console, stack, workspace
        self.ids: dict[str, str] = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]
        self.agent: dict[str, Any] = {}


@pytest.fixture(scope="module")
def visit(stack: LocalStack, browser: Browser, figures: Figures, workspace: str) -> Iterator[Visit]:
    with console_tab(browser, stack.console_url, figures) as console:
        yield Visit(console, stack, workspace)


def test_the_agents_screen_lists_the_default_agent(visit: Visit) -> None:
    c = visit.console
    c.open("/")
    c.press("button", "Connect Notion")
    expect(c.page.get_by_role("heading", level=1, name="Set up Notion Agent")).to_be_visible(timeout=LIVE_S)
    status, _ = c.api("POST", "/home", {"parent_page_id": visit.ids["home_page"]})
    assert status == 200
    c.press("link", "Agents")
    c.screen("agents", "Agents")
    expect(c.page.get_by_role("heading", level=2, name="Notion Agent")).to_be_visible()


def test_an_agent_is_made_with_its_instructions_page(visit: Visit) -> None:
    c = visit.console
    c.fill("Name", "Weekly report")
    c.fill("Its instructions (written into its page in Notion)", "Summarise what the team finished.")
    c.press("button", "Make the agent")
    expect(c.page.get_by_role("link", name="Edit them in Notion")).to_be_visible(timeout=LIVE_S)
    expect(c.page.get_by_text("Summarise what the team finished.")).to_be_visible()
    c.screen("agent", "Agents")
    status, listed = c.api("GET", "/agents", None)
    assert status == 200
    visit.agent = next(a for a in listed["agents"] if a["name"] == "Weekly report")
    assert visit.agent["instructions_page_id"]


def test_a_members_edit_waits_for_the_owners_acceptance(visit: Visit) -> None:
    c = visit.console
    instructions = visit.agent["instructions_page_id"]
    teammate_adds(visit.stack, visit.workspace, visit.ids["teammate"], instructions, HERS)
    c.press("button", "Close")
    c.press("button", "Open Weekly report")
    expect(c.page.get_by_role("alert")).to_contain_text("Someone other than you edited these instructions")
    c.screen("agent-acceptance", "Agents")
    c.press("button", "Accept this version")
    expect(c.page.get_by_role("button", name="Accept this version")).to_have_count(0, timeout=LIVE_S)
    status, shown = c.api("GET", f"/agents/{visit.agent['agent_id']}", None)
    assert status == 200 and not shown["instructions"]["needs_acceptance"]
    assert HERS in shown["instructions"]["used"]["text"]


def test_a_schedule_is_added_and_the_agent_paused_resumed_and_deleted(visit: Visit) -> None:
    c = visit.console
    c.choose("Every", "week, on chosen days")
    c.fill("At hour (the workspace's time zone)", "16")
    c.tick("fri")
    c.press("button", "Add the schedule")
    expect(c.page.get_by_text("every fri at 16:00").first).to_be_visible(timeout=LIVE_S)
    c.press("button", "Pause Weekly report")
    expect(c.page.get_by_text("paused", exact=True)).to_be_visible(timeout=LIVE_S)
    c.press("button", "Resume Weekly report")
    expect(c.page.get_by_text("paused", exact=True)).to_have_count(0, timeout=LIVE_S)
    c.press("button", "Delete Weekly report")
    # One click deleted it; now it asks, and "Keep it" keeps it
    expect(c.page.get_by_role("group", name=re.compile("Delete Weekly report\\?"))).to_be_visible()
    c.press("button", "Keep it")
    expect(c.page.get_by_role("heading", level=2, name="Weekly report")).to_be_visible()
    c.press("button", "Delete Weekly report")
    c.press("button", "Yes, delete Weekly report")
    expect(c.page.get_by_role("heading", level=2, name="Weekly report")).to_have_count(0, timeout=LIVE_S)
    status, listed = c.api("GET", "/agents", None)
    assert status == 200 and [a["agent_id"] for a in listed["agents"]] == ["default"]
    # The browser logs the signed-out GET /session before connecting; nothing else may go wrong.
    assert [e for e in c.console_errors if "status of 401" not in e] == []
    sandbox = urlsplit(visit.stack.sandbox_url).netloc
    assert all(urlsplit(u).netloc == sandbox and "/v1/oauth/authorize" in u for u in c.other_hosts())
