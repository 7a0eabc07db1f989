"""Locally it notifies like production: on a stack started as ``make stack``
starts it (``notify="live"``), a run's notifications reach the Notion sandbox as comments and the
code sandbox's Slack, Discord and mail relay, and the console's Notifications lists each one."""

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from local.stack import by_hand
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
STACK_NOTIFY = "live"  # the stack fixture (conftest) starts it as make stack does
WORDS = {"notion_comment": "A Notion comment", "slack": "Slack", "discord": "Discord", "email": "Email"}


def sent_on(setup: Setup, channel: str, before: set[str]) -> dict[str, Any]:
    """The first notification sent on ``channel`` that is not in ``before``, once there is one."""

    def found() -> dict[str, Any] | None:
        listed = setup.api("GET", "/notifications")["notifications"]
        fresh = [n for n in listed if n["notification_id"] not in before and n["channel"] == channel]
        return next((n for n in fresh if n["status"] == "sent"), None)

    return within(found, f"a notification sent on {channel}")


def known(setup: Setup) -> set[str]:
    return {n["notification_id"] for n in setup.api("GET", "/notifications")["notifications"]}


def test_a_run_on_a_page_comments_on_it_in_the_notion_sandbox(setup: Setup) -> None:
    before = known(setup)
    run_id = setup.waiting_run()  # Ideas, Status → Ready for agent: its start is a note on the page
    note = sent_on(setup, "notion_comment", before)
    page = setup.ids["idea_newsletter"].replace("-", "")
    comments = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")["comments"]
    on_page = [c for c in comments if str(c.get("parent", {}).get("page_id", "")).replace("-", "") == page]
    assert on_page, comments
    assert note["run_id"] == run_id


def test_slack_discord_and_email_reach_the_sandbox_and_the_notifications_screen(setup: Setup) -> None:
    tokens = by_hand(setup.stack)["integration_tokens"]
    setup.api("PUT", "/integrations/slack", {"token": tokens["slack"]})
    setup.api("PUT", "/integrations/discord", {"token": tokens["discord"]})
    setup.api("PATCH", "/settings", {"slack_channel_id": tokens["slack_channel_id"]})
    sent: dict[str, dict[str, Any]] = {}
    for channel in ("slack", "discord", "email"):
        setup.api("PATCH", "/settings", {"notification_channels": [channel]})
        before = known(setup)
        setup.started_run(f"Tell me on {channel}")
        sent[channel] = sent_on(setup, channel, before)
    seen = requests.get(by_hand(setup.stack)["sent_slack_discord_email"], timeout=10).json()
    slack = [m["text"] for channel in seen["slack"] for m in channel["messages"]]
    discord = [m.get("content", "") for hook in seen["discord"] for m in hook["messages"]]
    assert any("Tell me on slack" in text for text in slack), slack
    assert any("Tell me on discord" in text for text in discord), discord
    assert any("Tell me on email" in str(mail) for mail in seen["email"]), seen["email"]
    c = Console(setup.context().new_page(), setup.stack.console_url, setup.figures)
    c.open("/#/notifications")
    for channel, notification in sent.items():
        # Its own row: the run's end ("Run completed: Tell me on ...") also names the goal, and may be
        # sent on the next channel when the settings change before it is delivered.
        own = c.page.get_by_role("cell", name=notification["subject"], exact=True)
        row = c.page.locator("tbody tr").filter(has=own).first
        expect(row).to_contain_text(WORDS[channel], timeout=LIVE_MS)
        expect(row).to_contain_text("sent")
    c.screen("notifications-sent", "Notifications")
