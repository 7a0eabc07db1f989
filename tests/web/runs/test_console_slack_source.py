"""A run asked for in Slack, on a stack as ``make stack`` starts it: the owner says it to the app in
the code sandbox's Slack (its sender, delivered signed through the gateway to the api's Slack events
route), and the run's screen links back to the message it was asked in. The thread is the owner's
session (decision 0195): listed in the console's Sessions as from a Slack thread, with the message."""

import pytest
from playwright.sync_api import expect

from local.stack import by_hand
from tests.web.workspace import LIVE_MS, Setup, planned_by, said_in_slack

pytestmark = pytest.mark.e2e


def test_a_mention_said_in_the_sandboxs_slack_starts_a_run_that_links_back(setup: Setup) -> None:
    tokens = by_hand(setup.stack)["integration_tokens"]
    setup.api("PUT", "/integrations/slack", {"token": tokens["slack"]})  # links the sandbox's team
    run_id, said = said_in_slack(setup, "<@U0SANDBOX01> Draft a note on Slack")
    link = f"https://acme.slack.com/archives/{tokens['slack_channel_id']}/p{said['ts'].replace('.', '')}"
    linked = setup.within(lambda: planned_by(setup, run_id, "link"), "the run to be planned with its link")
    assert linked == link
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    source = c.page.locator(".started-by .source a")
    expect(source).to_have_attribute("href", link, timeout=LIVE_MS)
    expect(source).to_have_text("the Slack message")
    expect(c.page.locator(".started-by")).to_contain_text("Asked in")
    c.open("/#/sessions")
    held = c.page.locator("li", has_text="from a Slack thread")
    expect(held).to_have_count(1, timeout=LIVE_MS)
    held.locator("a").click()
    expect(c.page.locator("[data-origin=slack]")).to_contain_text("From a Slack thread", timeout=LIVE_MS)
    expect(c.page.locator("ol.timeline li").first).to_contain_text("Draft a note on Slack")
