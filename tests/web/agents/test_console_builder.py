"""The agent builder and its dry run (friction C2) in a real browser, keyboard only,
against the whole local stack: an admin sets a new agent's trigger rules, reach, tools, budget,
reviewer and where it reports, and sees them saved; "Try it on this page" shows the plan's steps and
the approvals it would need, and starts no run; at 390 px a new agent says it starts only when named,
and the builder and a dry run fit the screen; a Linear rule is added, refused and removed in words."""

import re

import pytest
from playwright.sync_api import expect

from local.linear_sandbox.app import KEY as LINEAR_KEY
from local.linear_sandbox.app import TEAM_ID
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
PHONE = 390


def _agent(setup: Setup, name: str) -> str:
    made = setup.api("POST", "/agents", {"name": name, "instructions": f"{name}: plan the idea."})
    return str(made["agent_id"])


def test_the_builder_sets_triggers_reach_tools_budget_reviewer_and_reports(setup: Setup) -> None:
    agent_id = _agent(setup, "Triage")
    ideas = setup.ids["ideas_data_source"]
    m = setup.tab()
    m.open("/#/agents")
    m.press("button", "Open Triage")
    page = m.page
    expect(page.get_by_text("starts only when named", exact=False).first).to_be_visible(timeout=LIVE_MS)
    databases = page.get_by_role("combobox", name="Database whose edits start it")
    expect(databases.locator("option", has_text="Ideas")).to_have_count(1, timeout=LIVE_MS)  # loaded
    m.choose("Database whose edits start it", "Ideas")
    created = page.get_by_role("checkbox", name=re.compile("A page is created"))
    expect(created).not_to_be_checked()  # none pre-checked
    expect(page.get_by_role("checkbox", name=re.compile("A comment mentions"))).not_to_be_checked()
    m.tick("A page is created")
    m.press("button", "Save the trigger rules")
    starts = page.get_by_text(re.compile("Each matching edit in 1 data source starts a run of Triage"))
    expect(starts.first).to_be_visible(timeout=LIVE_MS)  # on its card and in the builder
    m.tick("Reads Ideas")
    m.tick("Changes Ideas")
    m.press("button", "Save the reach")
    within(lambda: setup.api("GET", f"/agents/{agent_id}")["reach"].get("change") or None, "the reach saved")
    m.tick("read page (Read a page")
    m.press("button", "Save the tools")
    within(lambda: setup.api("GET", f"/agents/{agent_id}")["tools"] or None, "the tools saved")
    m.fill("Budget per run (USD)", "0.5")
    m.press("button", "Save the budget")
    expect(page.get_by_text(re.compile(r"Now: \$0\.50+ a run"))).to_be_visible(timeout=LIVE_MS)
    m.choose("Reviewer", "The other model reviews")
    m.press("button", "Save the reviewer")
    within(lambda: setup.api("GET", f"/agents/{agent_id}")["review"] == "other" or None, "the reviewer saved")
    m.choose("Reports to", "A comment on the page it worked on")
    m.press("button", "Save where it reports")
    expect(page.get_by_text("reports to notion comment")).to_be_visible(timeout=LIVE_MS)  # its card
    m.screen("agent-builder", "Agents")

    def saved() -> dict[str, object]:
        return dict(setup.api("GET", f"/agents/{agent_id}"))

    shown = saved()
    assert [r["kind"] for r in shown["triggers"][ideas]] == ["page_created"]  # type: ignore[index]  # JSON
    plain = ideas.replace("-", "")
    reach = shown["reach"]
    assert isinstance(reach, dict)
    assert (
        [i.replace("-", "") for i in reach["read"]]
        == [plain]
        == [i.replace("-", "") for i in reach["change"]]
    )
    assert shown["tools"] == ["read_page"] and shown["max_cost_per_run_usd"] == 0.5
    assert (shown["review"], shown["reports_to"]) == ("other", "notion_comment")


def test_a_dry_run_shows_the_plans_steps_and_approvals_and_starts_nothing(setup: Setup) -> None:
    _agent(setup, "Planner")
    before = setup.api("GET", "/runs")["runs"]
    m = setup.tab()
    m.open("/#/agents")
    m.press("button", "Open Planner")
    m.fill("Page (its Notion link or id)", f"https://www.notion.so/Newsletter-{setup.ids['idea_newsletter']}")
    m.press("button", "Try it on this page")
    page = m.page
    result = page.get_by_role("region", name="What it would do")
    expect(result).to_contain_text("nothing was done", timeout=LIVE_MS)
    expect(result.get_by_role("listitem").filter(has_text="create_page(")).to_have_count(1)
    asks = result.get_by_role("listitem").filter(has_text="request_approval(")
    expect(asks).to_contain_text("needs approval")
    expect(asks).to_contain_text("an editor or above")
    expect(result).to_contain_text(re.compile(r"Step \d \(request approval\): an editor or above"))
    m.screen("agent-dry-run", "Agents")
    assert setup.api("GET", "/runs")["runs"] == before  # no run started, none waits for approval


def test_at_390px_a_new_agent_says_it_starts_only_when_named_and_fits(setup: Setup) -> None:
    _agent(setup, "Scout")
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/agents")
    page = phone.page
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=2, name="Scout"))
    expect(card).to_contain_text("No trigger rule: Scout starts only when named", timeout=LIVE_MS)
    expect(
        page.get_by_text(re.compile("A new agent has no trigger rule: it starts only when named"))
    ).to_be_visible()
    phone.press("button", "Open Scout")
    expect(page.get_by_role("heading", level=3, name="What starts it")).to_be_visible(timeout=LIVE_MS)
    phone.fill("Page (its Notion link or id)", setup.ids["idea_newsletter"])
    phone.press("button", "Try it on this page")
    expect(page.get_by_role("region", name="What it would do")).to_contain_text(
        "nothing was done", timeout=LIVE_MS
    )
    phone.screen("agent-builder-phone", "Agents")
    wide = phone.overflowing()
    setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
    assert wide == []


def test_a_tracker_rule_is_added_in_words_and_a_refused_one_is_named(setup: Setup) -> None:
    """Linear connected (the stack's sandbox): the builder adds a rule that the api then holds, names a
    refused user beside its field, and at 390 px the rules fit and axe finds nothing serious."""
    setup.api("PUT", "/sync/linear", {"api_key": LINEAR_KEY, "team_id": TEAM_ID})
    agent_id = _agent(setup, "Intake")
    m = setup.tab()
    m.open("/#/agents")
    m.press("button", "Open Intake")
    page = m.page
    event = page.get_by_role("combobox", name="Tracker event that starts it")
    expect(event).to_have_value("", timeout=LIVE_MS)  # nothing chosen until chosen
    expect(page.get_by_text("run costs one; none is set until you add it", exact=False)).to_be_visible()
    m.choose("Tracker event that starts it", "An issue is assigned to the user")
    m.choose("Tracker team or project", "Linear team Engineering")
    m.fill("Tracker user name", "ada lovelace")
    m.press("button", "Add this tracker rule")
    expect(page.get_by_text("is not a tracker user name: letters, digits")).to_be_visible(timeout=LIVE_MS)
    assert not setup.api("GET", f"/agents/{agent_id}").get("tracker_triggers")
    m.fill("Tracker user name", "@ada")
    m.press("button", "Add this tracker rule")
    words = "An issue in Linear team Engineering assigned to @ada starts it"
    expect(page.get_by_text(words)).to_be_visible(timeout=LIVE_MS)
    held = setup.api("GET", f"/agents/{agent_id}")["tracker_triggers"]
    assert held == [{"on": "assigned", "target": f"linear:{TEAM_ID}", "user": "ada"}]
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/agents")
    phone.press("button", "Open Intake")
    expect(phone.page.get_by_text(words)).to_be_visible(timeout=LIVE_MS)
    serious = setup.figures.axe_serious
    phone.screen("agent-tracker-rules-phone", "Agents")
    assert setup.figures.axe_serious == serious, setup.figures.violations
    assert phone.overflowing() == []
    phone.press("button", f"Remove the tracker rule: {words}")
    expect(phone.page.get_by_text(words)).to_have_count(0, timeout=LIVE_MS)
    assert not setup.api("GET", f"/agents/{agent_id}").get("tracker_triggers")
