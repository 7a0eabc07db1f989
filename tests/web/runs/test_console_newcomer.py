"""What the newcomer found (docs/newcomer-frictions.md) on a run's page, in a real browser: a decision says who made it
("<name> approved", "You approved" only for one's own), cancelling a run asks first, "Run again" only
on an ended run, and "What it wrote" says in words what each write did."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, teammate_adds, within

pytestmark = pytest.mark.e2e


def test_a_decision_says_who_made_it_and_cancelling_asks_first(setup: Setup) -> None:
    run_id = setup.waiting_run()
    owner = setup.tab()
    owner.open(f"/#/runs/{run_id}")
    page = owner.page
    expect(page.get_by_role("button", name="Approve")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("button", name="Run again")).to_have_count(0)  # not on a run still going
    owner.press("button", "Cancel run")
    expect(page.get_by_role("group", name=re.compile(r"Cancel this run\?"))).to_be_visible()
    expect(page.get_by_role("button", name="Keep it")).to_be_focused()
    owner.press("button", "Keep it")
    assert setup.api("GET", f"/runs/{run_id}")["status"] == "waiting_for_human"  # one click cancels nothing

    grace = setup.teammate_tab("admin")
    grace.open(f"/#/runs/{run_id}")
    grace.press("button", "Approve")
    expect(grace.page.locator("ol.timeline")).to_contain_text("You approved", timeout=LIVE_MS)

    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text(
        re.compile(rf"(Grace Hopper|grace@{re.escape(setup.workspace)}\.example) approved"), timeout=LIVE_MS
    )
    expect(timeline).not_to_contain_text("You approved")
    expect(timeline).not_to_contain_text("You chose")
    within(lambda: setup.api("GET", f"/runs/{run_id}")["status"] == "completed" or None, "the run to end")
    expect(page.get_by_text("Completed").first).to_be_visible(timeout=LIVE_MS)
    wrote = page.locator("h2:has-text('What it wrote') + ul > li")
    expect(wrote.first).to_contain_text(
        re.compile(r"^(created a page|commented|changed properties|added blocks)"), timeout=LIVE_MS
    )
    expect(page.get_by_role("button", name="Run again")).to_be_visible()
    owner.screen("run-decided-by", page.get_by_role("heading", level=1).inner_text())

    # An admin was told "someone other than you edited these instructions" of her own edit
    instructions = setup.api("GET", "/agents/default")["instructions_page_id"]
    teammate_adds(setup.stack, setup.workspace, setup.ids["teammate"], instructions, "Also tag the team.")
    grace.open("/#/agents")
    grace.press("button", "Open Notion Agent")
    expect(
        grace.page.get_by_text("edited by someone other than the workspace's owner (perhaps you)")
    ).to_be_visible(timeout=LIVE_MS)
    expect(grace.page.get_by_text("Someone other than you edited")).to_have_count(0)


def test_the_audit_table_fits_a_phone_the_nav_one_line_and_agent_cards_no_bullets(setup: Setup) -> None:
    """The audit table was 794 px wide on a phone; the nav wrapped at 1280 px (with the
    waiting badge); list bullets showed beside the agents' cards."""
    setup.waiting_run()  # the nav's badge shows
    phone = setup.tab(setup.context(width=390))
    phone.open("/#/audit")
    expect(phone.page.locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
    assert phone.overflowing() == []
    desk = setup.tab(setup.context(width=1280))
    desk.open("/#/agents")
    expect(desk.page.get_by_role("link", name=re.compile("waiting for you"))).to_be_visible(timeout=LIVE_MS)
    tops = desk.page.locator("nav li").evaluate_all("items => items.map(i => i.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, tops  # one line
    card = desk.page.locator("ul.agents > li").first
    expect(card).to_be_visible(timeout=LIVE_MS)
    assert card.evaluate("li => getComputedStyle(li).listStyleType") == "none"
    # A refusal named raw field paths ("invalid field(s): schedules.1.weekly.days …")
    desk.press("button", "Open Notion Agent")
    desk.choose("Every", "week, on chosen days")
    desk.tick("fri", on=False)
    desk.press("button", "Add the schedule")
    alert = desk.page.get_by_role("alert").filter(has_text="Not saved")
    expect(alert).to_contain_text(re.compile(r"schedule 1"), timeout=LIVE_MS)
    expect(alert).not_to_contain_text("schedules.0")
    expect(alert).not_to_contain_text("invalid field(s)")
