"""Run now on an agent with its own instructions: its run is titled as run by hand (not
"the routine's scheduled time came"), and the agent's card lists it without a reload."""

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def test_run_now_lists_its_run_on_the_card_titled_as_run_by_hand(setup: Setup) -> None:
    body = {"name": "Digest", "instructions": "Digest: write a note of the week's done tasks."}
    agent_id = str(setup.api("POST", "/agents", body)["agent_id"])
    setup.api("PATCH", f"/agents/{agent_id}", {"schedules": [{"every": "daily", "hour": 9}]})
    c = setup.tab()
    c.open("/#/agents")
    c.press("button", "Open Digest")
    expect(c.page.get_by_text("No runs yet.")).to_be_visible(timeout=LIVE_MS)
    c.press("button", "Run now: every day at 09:00")
    expect(c.page.get_by_role("status").filter(has_text="Started")).to_be_visible(timeout=LIVE_MS)
    listed = c.page.get_by_role("link", name="Digest: its routine, run now by hand (every day at 09:00)")
    expect(listed).to_be_visible(timeout=LIVE_MS)  # no reload: the card asks again until it is listed
    expect(c.page.get_by_text("No runs yet.")).to_have_count(0)
    expect(c.page.get_by_text("the routine's scheduled time came")).to_have_count(0)
    c.screen("agents-run-now-listed", "Agents")
