"""The console's main flows in a real browser, keyboard only, against the whole local stack: connect
through the sandbox's OAuth; onboarding; a page change in Notion starts a run that appears and moves
live; approve it; it finishes; run it again; the other screens; an API key made, used and deleted;
disconnect. The tests run in order, as one person's visit (each is one flow of the RESULT line)."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, expect

from local.demo import READY
from local.stack import LocalStack
from tests.web.browser import Console, Figures, console_tab

pytestmark = pytest.mark.e2e
LIVE_S = 30_000  # ms a live change may take to show (the console polls every 2 to 3 s)


class Visit:
    """What the flows share: the tab, the stack, and what earlier flows found."""

    def __init__(self, console: Console, stack: LocalStack, workspace: str) -> None:
        self.console, self.stack, self.workspace = console, stack, workspace
        self.ids: dict[str, str] = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]
        self.run_id = ""
        self.key = ""

    def act(self, method: str, path: str, body: Any) -> None:
        """The owner changes something in Notion; the sandbox delivers the webhook it causes."""
        call = {"method": method, "path": path, "body": body, "user_id": self.ids["owner"]}
        answer = self.stack.sandbox_admin("POST", f"/workspaces/{self.workspace}/act", call)
        assert answer["status"] == 200, answer
        self.stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})


@pytest.fixture(scope="module")
def visit(stack: LocalStack, browser: Browser, figures: Figures, workspace: str) -> Iterator[Visit]:
    with console_tab(browser, stack.console_url, figures) as console:
        yield Visit(console, stack, workspace)


def test_connect_through_notion_sets_a_cookie_the_page_cannot_read(visit: Visit) -> None:
    c = visit.console
    c.open("/")
    c.screen("connect", "Connect your Notion workspace")
    c.press("button", "Connect Notion")
    # Through the sandbox's OAuth and the callback's token exchange: a live change's time, on a busy machine
    heading = c.page.get_by_role("heading", level=1, name="Set up Notion Agent")
    expect(heading).to_be_visible(timeout=LIVE_S)
    assert "session" not in urlsplit(c.page.url).fragment  # nothing of the session in the URL
    cookies = {k["name"]: k for k in c.page.context.cookies()}
    assert cookies["na_session"]["httpOnly"] and cookies["na_session"]["sameSite"] in ("Lax", "Strict")
    assert "na_session" not in c.page.evaluate("document.cookie")


def test_onboarding_chooses_sources_rules_home_and_settings(visit: Visit) -> None:
    c = visit.console
    expect(c.page.get_by_role("checkbox", name="Ideas database")).to_be_visible()
    c.screen("onboarding", "Set up Notion Agent")
    c.fill("Search what the agent can see", "Ideas")
    c.press("button", "Search")
    c.tick("Ideas database")
    # Choosing a database for what the agent knows starts nothing; each rule says its cost
    boxes = c.page.get_by_role("group", name="What starts work in Ideas").get_by_role("checkbox")
    expect(boxes).to_have_count(4)
    for n in range(4):
        expect(boxes.nth(n)).not_to_be_checked()
    expect(c.page.get_by_role("checkbox", name="A page is created (a run for each new page)")).to_be_visible()
    c.tick("A comment mentions the agent")
    c.tick("A property changes")
    c.choose("Property name", "Status")  # from the data source's schema: nothing to type wrong
    c.choose("Changed to (optional)", READY)
    c.fill("Search what the agent can see", "Notion Agent home")
    c.press("button", "Search")
    expect(c.page.get_by_role("checkbox", name="Notion Agent home page")).to_be_visible()
    c.tick("Notion Agent home page")  # a page the agent knows: its edits start nothing unless ticked
    expect(
        c.page.get_by_role("checkbox", name="Every edit of Notion Agent home starts work")
    ).not_to_be_checked()
    c.choose("Page for the agent's home", "Notion Agent home")
    c.choose("Time zone", "Europe/Paris")
    c.fill("Planning hour (0 to 23)", "8")
    c.fill("Per day", "4")
    c.fill("Per month", "60")
    c.tick("Discord", on=False)
    c.press("button", "Save and finish")
    expect(c.page.get_by_role("heading", level=1, name="You are set up")).to_be_visible(timeout=LIVE_S)
    expect(c.page.get_by_role("textbox", name="First run's goal")).to_have_value(
        "Summarise what changed in Ideas this week"
    )
    c.screen("onboarding-done", "You are set up")
    status, view = c.api("GET", "/settings", None)
    settings = view["settings"]
    assert status == 200 and settings["data_source_ids"] == [visit.ids["ideas_data_source"]]
    rules = settings["triggers"][visit.ids["ideas_data_source"]]
    assert [r["kind"] for r in rules] == ["mentioned", "property_changed"]
    assert rules[1]["property"] == "Status" and rules[1]["to"] == READY
    assert len(settings["page_ids"]) == 1 and settings["trigger_page_ids"] == []
    assert settings["timezone"] == "Europe/Paris" and settings["max_cost_per_month_usd"] == 60
    assert "discord" not in settings["notification_channels"]
    status, home = c.api("GET", "/home", None)
    assert home["parent_page_id"].replace("-", "") == visit.ids["home_page"].replace("-", "")


def test_a_page_change_starts_a_run_that_appears_and_moves_live(visit: Visit) -> None:
    c = visit.console
    c.press("link", "Runs", exact=True)
    expect(c.page.get_by_text("No runs yet")).to_be_visible()
    c.screen("runs-empty", "Runs")
    ready = {"properties": {"Status": {"status": {"name": READY}}}}
    visit.act("PATCH", f"pages/{visit.ids['idea_newsletter']}", ready)
    row = c.page.locator("tbody tr").first
    expect(row).to_be_visible(timeout=LIVE_S)  # no reload: the list refreshes itself
    expect(row).to_contain_text("An edit in Notion")
    c.screen("runs", "Runs")
    link = row.get_by_role("link")
    goal = link.inner_text()
    c.press("link", goal, exact=True)
    expect(c.page).to_have_url(re.compile(r"#/runs/[^/?]+$"))
    expect(c.page.get_by_role("heading", level=1, name=goal)).to_be_visible()
    expect(c.page.get_by_text("Waiting for you").first).to_be_visible(timeout=LIVE_S)
    visit.run_id = c.page.url.rsplit("/", 1)[-1]
    expect(c.page.get_by_role("button", name="Approve")).to_be_visible()
    c.screen("run-waiting", goal)


def test_approving_in_the_console_finishes_the_run(visit: Visit) -> None:
    c = visit.console
    steps = c.page.locator("ol.timeline li").count()
    c.press("button", "Approve")
    expect(c.page.get_by_text("Completed").first).to_be_visible(timeout=LIVE_S)
    assert c.page.locator("ol.timeline li").count() > steps  # the timeline moved without a reload
    wrote = c.page.locator("h2:has-text('What it wrote') + ul a")
    expect(wrote.first).to_be_visible()
    assert all(urlsplit(h).scheme in ("http", "https") for h in wrote.evaluate_all("a => a.map(e => e.href)"))
    c.screen("run-completed", c.page.get_by_role("heading", level=1).inner_text())


def test_run_again_starts_a_new_run_of_the_same_goal(visit: Visit) -> None:
    c = visit.console
    goal = c.page.get_by_role("heading", level=1).inner_text()
    c.press("button", "Run again")
    expect(c.page).not_to_have_url(re.compile(re.escape(visit.run_id)), timeout=LIVE_S)
    expect(c.page.get_by_role("heading", level=1, name=goal)).to_be_visible(timeout=LIVE_S)
    c.screen("run-again", goal)
    status, listed = c.api("GET", "/runs?trigger=manual", None)
    # the heading is the run's short title, the same for the run again
    assert status == 200 and [r["title"] for r in listed["runs"]] == [goal]


def test_usage_notifications_integrations_and_settings_screens(visit: Visit) -> None:
    c = visit.console
    c.press("link", "Usage", exact=True)
    expect(c.page.get_by_role("img", name="Spend per day")).to_be_visible()
    runs = c.page.get_by_role("img", name=re.compile(r"^Runs started per day .*: 2 runs, 0 failed"))
    expect(runs).to_be_visible()  # the two runs of the flows so far, counted on their day
    axis = [t.strip() for t in c.page.locator("svg .axis text").all_text_contents()]
    assert axis[0] == "$0.000" and len(axis) >= 5 and re.fullmatch(r"\d\d-\d\d", axis[-1]), (
        axis
    )  # $ and dates
    c.screen("usage", "Usage")
    c.press("link", "Notifications", exact=True)
    expect(c.page.locator("tbody tr, .empty").first).to_be_visible()
    c.screen("notifications", "Notifications")
    c.press("link", "Integrations", exact=True)
    expect(c.page.get_by_role("heading", name="Slack Not connected")).to_be_visible()
    c.screen("integrations", "Integrations")
    c.press("link", "Settings", exact=True)
    c.fill("Planning hour (0 to 23)", "31")
    c.press("button", "Save settings")
    expect(c.page.get_by_role("alert")).to_contain_text("Not saved")
    hour = c.page.get_by_label("Planning hour (0 to 23)")
    expect(hour).to_have_accessible_description("Give an hour from 0 to 23.")  # beside it, in words
    expect(hour).to_be_focused()
    c.screen("settings", "Settings")
    _, view = c.api("GET", "/settings", None)
    assert view["settings"]["planning_hour"] == 8  # nothing stored


def test_an_api_key_is_shown_once_works_and_is_deleted(visit: Visit) -> None:
    c = visit.console
    c.press("link", "API keys", exact=True)
    expect(c.page.get_by_text("No API keys.")).to_be_visible()
    c.screen("api-keys", "API keys")
    c.fill("What it is for", "CI")
    c.press("button", "Make the key")
    shown = c.page.get_by_role("textbox", name="The key")
    expect(shown).to_have_value(re.compile(r"^na_"))
    key = shown.input_value()
    c.screen("api-key-created", "API keys")
    api = visit.stack.console_url + "/api/runs"
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200
    c.press("button", "I have copied it")
    expect(c.page.get_by_role("textbox", name="The key")).to_have_count(0)
    c.press("button", "Delete the key CI")
    c.press("button", "Yes, delete the key CI")
    expect(c.page.get_by_text("No API keys.")).to_be_visible()
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 401


def test_disconnect_says_what_it_cancels_and_ends_the_session(visit: Visit) -> None:
    c = visit.console
    c.press("link", "Settings", exact=True)
    expect(c.page.get_by_text("cancels the runs that wait for a person or are paused")).to_be_visible()
    c.tick("I understand what disconnecting cancels")
    c.screen("disconnect", "Settings")
    c.press("button", "Disconnect the workspace")
    said = c.page.get_by_role("status").filter(has_text="Demo workspace is disconnected")
    expect(said).to_contain_text(re.compile(r"\d+ runs? (was|were) cancelled"))
    c.screen("connect-after-disconnect", "Connect your Notion workspace")
    status, _ = c.api("GET", "/runs", None)
    assert status == 401
    sandbox = urlsplit(visit.stack.sandbox_url).netloc
    others = c.other_hosts()
    assert all(urlsplit(u).netloc == sandbox and "/v1/oauth/authorize" in u for u in others), others
    # The browser logs each refused request (a signed-out GET /session, a run still being planned,
    # the planning hour 31); nothing else may go wrong in the page.
    expected = ("status of 400", "status of 401", "status of 404")
    assert [e for e in c.console_errors if not any(x in e for x in expected)] == []
