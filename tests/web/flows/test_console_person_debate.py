"""A debate settled as a person does it, on the shared stack's defaults, following
only what the screens say. The Runs screen says how to start one ("mention the agent in a comment on
its page in Notion: “hold a debate, judged by owner”", then pick the verdict in the Inbox) and that a
mention starts work on a chosen database's page only where its rules tick "A comment mentions the
agent", linking Onboarding, where the owner follows that link and ticks it; the comment is written on
the Notion sandbox's screen; the owner picks an answer on the Inbox's ballot; the run ends with that verdict."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, mention_agent

pytestmark = pytest.mark.e2e
DEBATE_S = 180.0  # two rounds of two children, then the settle step, through the Cloud Tasks emulator
IDEA = "Automate the newsletter"  # a row of Ideas, a chosen data source
HOW = "hold a debate, judged by owner"


@pytest.mark.person_flow
def test_an_owner_starts_a_debate_from_a_comment_and_settles_it_in_the_inbox(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/runs")
    hint = c.page.locator("#patterns-hint")
    expect(hint).to_contain_text(f"mention the agent in a comment on its page in Notion: “{HOW}”")
    expect(hint).to_contain_text("you pick the verdict in the Inbox")
    expect(hint).to_contain_text("whose rules tick “A comment mentions the agent”")
    c.press("link", "tick it in Onboarding")  # the hint's own link, not an address typed
    ideas = c.page.get_by_role("group", name="What starts work in Ideas")
    expect(ideas).to_be_visible(timeout=LIVE_MS)
    c.tick("A comment mentions the agent")
    c.press("button", "Save and finish")
    expect(c.page.get_by_role("heading", level=1, name="You are set up")).to_be_visible(timeout=LIVE_MS)

    before = {r["run_id"] for r in setup.api("GET", "/runs")["runs"]}
    mention_agent(setup, IDEA, HOW)

    def asked() -> str | None:
        for run in setup.api("GET", "/runs")["runs"]:
            if run["run_id"] in before or run.get("parent_run_id"):  # a participant's run ends by itself
                continue
            assert run["status"] not in ("failed", "cancelled", "completed"), (run["goal"], run["summary"])
            if (run.get("waiting") or {}).get("purpose") == "verdict":
                return str(run["run_id"])
        return None

    run_id = setup.within(asked, "the debate to ask for the owner's verdict", DEBATE_S)
    c.open("/#/inbox")
    card = c.page.locator("li.request").filter(has_text="Asks you to settle a debate")
    expect(card).to_have_count(1, timeout=LIVE_MS)
    expect(card).to_contain_text("The owner decides")
    expect(card.locator("figure.quoted")).to_have_count(2)
    expect(card).not_to_contain_text("<untrusted")
    first = card.locator("fieldset.options label").first
    chosen = first.inner_text().strip()
    first.locator("input[type=radio]").check()
    card.get_by_role("button", name="Answer").click()
    expect(c.page.get_by_text(re.compile(r": answered\.", re.IGNORECASE)).first).to_be_visible(
        timeout=LIVE_MS
    )

    def settled() -> dict[str, Any] | None:
        run = setup.api("GET", f"/runs/{run_id}")
        assert run["status"] not in ("failed", "cancelled"), run["summary"]
        return run if run["status"] == "completed" else None

    run = setup.within(settled, "the debate to end with the owner's verdict", DEBATE_S)
    said = [e for e in run["events"] if e["kind"] == "human_responded"]
    assert [e["decision"] for e in said] == ["answer"] and said[0]["text"] == chosen
    c.open(f"/#/runs/{run_id}")
    expect(c.page.locator("#run-status")).to_contain_text(
        re.compile("Completed", re.IGNORECASE), timeout=LIVE_MS
    )
    c.screen("person-debate-settled", run["title"])
