"""An agent's Slack channel set in the builder, in a real browser, keyboard only, on the whole local
stack: a channel's link pasted is kept as its id, "#general" is refused beside the field in words, and
another agent taking the same channel is told which agent has it; then a mention said in that channel
of the sandbox's Slack starts a run of that agent, not the default one. At 390 px the section fits."""

import pytest
from playwright.sync_api import expect

from local.stack import by_hand
from tests.web.workspace import LIVE_MS, Setup, planned_by, said_in_slack, within

pytestmark = pytest.mark.e2e
PHONE = 390


def test_a_channel_pasted_in_the_builder_starts_that_agent_from_slack(setup: Setup) -> None:
    tokens = by_hand(setup.stack)["integration_tokens"]
    setup.api("PUT", "/integrations/slack", {"token": tokens["slack"]})  # links the sandbox's team
    try:
        _set_and_started(setup, tokens["slack_channel_id"])
    finally:  # the sandbox's Slack team answers one workspace: the next module links it to its own
        setup.api("DELETE", "/integrations/slack")


def _set_and_started(setup: Setup, channel: str) -> None:
    made = setup.api("POST", "/agents", {"name": "Scribe", "instructions": "Scribe: draft notes."})
    setup.api("POST", "/agents", {"name": "Herald", "instructions": "Herald: announce."})
    m = setup.tab(setup.context(width=PHONE))
    m.open("/#/agents")
    m.press("button", "Open Scribe")
    page = m.page
    section = page.get_by_role("region", name="Slack channels and mail")
    expect(section).to_contain_text("No Slack channel starts Scribe", timeout=LIVE_MS)
    expect(section).to_contain_text("No mail address starts Scribe")
    field = "Slack channel (its link"
    m.fill(field, "#general")
    m.press("button", "Add this Slack channel")
    expect(page.locator("#problem-slack-channel")).to_contain_text("is not a Slack channel", timeout=LIVE_MS)
    m.fill(field, f"https://acme.slack.com/archives/{channel}")
    m.press("button", "Add this Slack channel")
    expect(section).to_contain_text(f"Slack channel {channel} starts it.", timeout=LIVE_MS)
    saved = within(lambda: setup.api("GET", f"/agents/{made['agent_id']}").get("slack_channels"), "saved")
    assert saved == [channel]
    m.screen("agent-channels-phone", "Agents")
    wide = m.overflowing()
    setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
    assert wide == []
    m.open("/#/agents")
    m.press("button", "Open Herald")
    m.fill(field, channel)
    m.press("button", "Add this Slack channel")
    expect(page.locator("#problem-slack-channel")).to_have_text(
        "Scribe is started from that channel already", timeout=LIVE_MS
    )
    run_id, _ = said_in_slack(setup, "<@U0SANDBOX01> Draft the standup notes")
    planned = setup.within(
        lambda: planned_by(setup, run_id, "agent_id"), "the run planned by its channel's agent"
    )
    assert planned == made["agent_id"]
