"""What the console says of mentions and what a mention does agree. The Ideas database's
rules here watch Status only (no "A comment mentions the agent"): Settings and the default agent's card
say a mention there starts nothing, and an agent made on the Agents screen and named in a comment on an
Idea's page starts, as its card says, from the Notion sandbox's screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, mention_agent

pytestmark = pytest.mark.e2e
IDEA = "Automate the newsletter"  # a row of Ideas, whose rules leave mentions out
RULE_WORDS = "only where that database's rules tick “A comment mentions the agent”"


@pytest.mark.person_flow
def test_settings_and_cards_say_where_a_mention_starts_and_a_named_agent_starts_there(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/settings")
    expect(c.page.get_by_text(RULE_WORDS, exact=False).first).to_be_visible(timeout=LIVE_MS)
    c.open("/#/agents")  # the agent is made as a person makes one: on the Agents screen
    c.fill("Name", "Triage")
    c.press("button", "Make the agent")
    card = c.page.locator("li.card").filter(has=c.page.get_by_role("heading", level=2, name="Triage"))
    expect(card).to_contain_text("No trigger rule: Triage starts only when named", timeout=LIVE_MS)
    [agent_id] = [a["agent_id"] for a in setup.api("GET", "/agents")["agents"] if a["name"] == "Triage"]
    expect(c.page.get_by_text(RULE_WORDS, exact=False).first).to_be_visible()
    c.screen("agents-mentions-said", "Agents")

    before = {r["run_id"] for r in setup.api("GET", "/runs")["runs"]}
    mention_agent(setup, IDEA, "Triage, sort this idea into the week's plan")

    def started() -> dict[str, str] | None:
        runs = setup.api("GET", "/runs")["runs"]
        return next((r for r in runs if r["run_id"] not in before), None)

    run = setup.within(started, "the run naming Triage starts")
    assert run.get("agent_id") == agent_id, run
    c.open(f"/#/runs/{run['run_id']}")
    expect(c.page.get_by_role("heading", level=1)).to_contain_text(re.compile("Triage"), timeout=LIVE_MS)


def test_a_bare_mention_the_rules_leave_out_is_listed_with_the_skipped_edits(setup: Setup) -> None:
    mention_agent(setup, IDEA, "please look at this")

    def kept() -> dict[str, str] | None:
        edits = setup.api("GET", "/skipped-edits")["edits"]
        return next((e for e in edits if e["event_type"] == "comment.created"), None)

    assert "leave out mentions" in setup.within(kept, "the skipped mention to be kept")["rule"]
    c = setup.tab()
    c.open("/#/runs")
    listed = c.page.locator("details.skipped")
    expect(listed.locator("summary")).to_contain_text("Edits the rules skipped this week", timeout=LIVE_MS)
    listed.locator("summary").click()
    expect(listed.locator("li", has_text=f"“{IDEA}”")).to_contain_text("leave out mentions")
