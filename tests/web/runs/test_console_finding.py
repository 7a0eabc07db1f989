"""Finding runs: the Runs screen searches goals by their words and filters by
agent and by when runs started; the api's answer and the screen agree."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


def test_a_search_shows_only_runs_whose_goal_holds_its_words(setup: Setup) -> None:
    wanted = setup.started_run("Summarise the quarterly Zephyr figures")
    other = setup.started_run("Tidy the reading list")
    found = setup.api("GET", "/runs?q=zephyr")["runs"]
    assert [r["run_id"] for r in found] == [wanted], found  # the api's part, before the screen's
    c, rows = setup.searched_runs(other, "Search goals", "ZEPHYR quarterly")
    page = c.page
    expect(rows.first).to_contain_text("Summarise the quarterly Zephyr figures")
    assert "q=ZEPHYR" in page.url
    page.get_by_label("Started within").select_option(label="The last day")
    expect(rows).to_have_count(1, timeout=LIVE_MS)
    page.get_by_label("Search goals").fill("nothingmatchesthis")
    c.press("button", "Search")
    expect(page.get_by_text("No runs match these filters")).to_be_visible(timeout=LIVE_MS)
    c.screen("runs-search", "Runs")


def test_the_agent_filter_offers_the_workspace_s_agents(setup: Setup) -> None:
    agents = setup.api("GET", "/agents")["agents"]
    assert agents, "the demo workspace has its default agents"
    theirs = setup.api("GET", f"/runs?agent={agents[0]['agent_id']}")["runs"]
    c = setup.tab()
    c.open("/#/runs")
    choice = c.page.get_by_role("combobox", name=re.compile(r"^Agent"))
    expect(choice.locator("option")).to_have_count(len(agents) + 1, timeout=LIVE_MS)
    choice.select_option(value=agents[0]["agent_id"])
    assert f"agent={agents[0]['agent_id']}" in c.page.url
    rows = c.page.locator("table tbody tr")
    if theirs:
        expect(rows).to_have_count(len(theirs), timeout=LIVE_MS)
    else:
        expect(c.page.get_by_text("No runs match these filters")).to_be_visible(timeout=LIVE_MS)


def test_an_edit_the_rules_skip_is_listed_with_the_rule(setup: Setup) -> None:
    page = setup.ids["idea_dashboard"]
    title = {"Name": {"title": [{"text": {"content": "Dashboard, renamed"}}]}}
    setup.act("PATCH", f"pages/{page}", {"properties": title})  # the Ideas rule watches Status only

    def kept() -> dict[str, Any] | None:
        edits = setup.api("GET", "/skipped-edits")["edits"]
        return next((e for e in edits if e["page_id"] == page.replace("-", "")), None)

    edit = within(kept, "the skipped edit to be kept")
    assert "no rule names a changed property" in edit["rule"], edit
    c = setup.tab()
    c.open("/#/runs")
    listed = c.page.locator("details.skipped")
    expect(listed.locator("summary")).to_contain_text("Edits the rules skipped this week", timeout=LIVE_MS)
    listed.locator("summary").click()
    said = listed.locator("li", has_text="“Dashboard, renamed”")  # its title, not its id
    expect(said).to_contain_text("no rule names a changed property")
    expect(listed).not_to_contain_text(edit["page_id"])
