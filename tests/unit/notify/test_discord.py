"""Discord as a notification channel: the webhook URL checked and kept as a secret, messages posted
once (a webhook's messages cannot be searched, so an attempt that may have posted ends the delivery),
and the URL never in a record, a reason or a log."""

import logging
from datetime import timedelta

import pytest

from shared.notify.domain.notifications import (
    CUT_REQUEST,
    DECIDE_IN_APP,
    DISCORD_MAX_CHARS,
    NotificationStatus,
    discord_text,
)
from shared.platform.errors import NothingSent, PermanentError, TransientError, Unauthenticated
from shared.workspace.domain.integrations import Integration, chat_token_secret, discord_webhook, token_secret
from tests.support.notify.notifications import LEASE_S, Live, live, task

__all__ = ["live"]

URL = "https://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789"


@pytest.mark.parametrize(
    "url",
    [
        URL,
        URL + "/",
        "https://discordapp.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789",
        "https://canary.discord.com/api/v10/webhooks/120000000000000001/fake-webhook-token-0123456789",
    ],
)
def test_a_webhook_url_gives_its_id_and_token(url: str) -> None:
    assert discord_webhook(url) == ("120000000000000001", "fake-webhook-token-0123456789")


@pytest.mark.parametrize(
    "url",
    [
        "http://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789",  # not https
        "https://evil.example/api/webhooks/120000000000000001/fake-webhook-token-0123456789",
        "https://discord.com.evil.example/api/webhooks/120000000000000001/fake-webhook-token-0123456789",
        "https://discord.com/api/webhooks/abc/fake-webhook-token-0123456789",
        "https://discord.com/api/webhooks/120000000000000001/short",
        "https://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789?x=1",
        "xoxb-a-slack-token",
    ],
)
def test_anything_else_is_refused_without_quoting_it(url: str) -> None:
    with pytest.raises(ValueError) as raised:
        discord_webhook(url)
    assert "fake-webhook-token" not in str(raised.value) and "webhooks/<id>/<token>" in str(raised.value)


def test_its_secret_is_a_chat_token_that_notify_may_read() -> None:
    assert token_secret("t1", Integration.DISCORD) == chat_token_secret("t1", Integration.DISCORD)
    assert token_secret("t1", Integration.DISCORD) == "chat-token-discord-t1"


def test_a_notification_goes_to_discord_once_with_the_subject_in_bold(live: Live) -> None:
    live.connect_discord(notification_channels=["discord"])
    assert live.deliver(task(None)) is True
    assert live.deliver(task(None)) is False  # the same notification again: nothing more
    assert live.discord_messages() == ["**Run completed: plan the launch**\n\nAll done."]
    record = live.record()
    assert record.status == NotificationStatus.SENT and record.channel == "discord" and record.message_id


def test_a_long_text_is_cut_to_discord_s_limit(live: Live) -> None:
    live.connect_discord(notification_channels=["discord"])
    assert live.deliver(task(None, text="x" * 5000)) is True
    (message,) = live.discord_messages()
    assert len(message) == 2000 and message.endswith("…")


def test_a_long_request_is_cut_saying_so_and_keeps_the_way_to_the_whole_of_it() -> None:
    console = "https://na.example/#/runs/r1"
    data = {"run_id": "r1", "request_id": "approval-1", "purpose": "approval", "console_url": console}
    ask = task(None, text="Approve these changes? " + "x" * 5000).model_copy(update={"data": data})
    message = discord_text(ask)
    assert len(message) <= DISCORD_MAX_CHARS and CUT_REQUEST in message
    assert message.endswith(f"{DECIDE_IN_APP} Open the run: {console}")


def test_an_attempt_that_may_have_posted_ends_undeliverable_and_posts_nothing_more(live: Live) -> None:
    live.connect_discord(notification_channels=["discord"])
    live.dies_before_finishing(task(None))
    live.clock.now += timedelta(seconds=LEASE_S + 1)
    assert live.deliver(task(None)) is False
    assert len(live.discord_messages()) == 1
    record = live.record()
    assert (
        record.status == NotificationStatus.UNDELIVERABLE and "may have been sent on discord" in record.reason
    )


def test_a_crash_before_posting_is_not_retried_either(live: Live) -> None:
    """At most once: a retry cannot tell whether the post happened, so it does not post."""
    live.connect_discord(notification_channels=["discord"])
    live.dies_at(live.webhooks.fail, "post", task(None))
    live.wait_out_lease()
    assert live.deliver(task(None)) is False
    assert live.discord_messages() == [] and live.record().status == NotificationStatus.UNDELIVERABLE


def test_a_rate_limit_sent_nothing_so_the_retry_posts(live: Live) -> None:
    live.connect_discord(notification_channels=["discord"])
    live.webhooks.fail["post"] = [NothingSent("Discord rate limit reached (a message)", retry_after_s=2)]
    with pytest.raises(NothingSent):
        live.deliver(task(None))
    assert live.deliver(task(None)) is True  # the record names no channel any more: nothing to look for
    assert len(live.discord_messages()) == 1


def test_a_timeout_may_have_posted_so_the_retry_does_not(live: Live) -> None:
    live.connect_discord(notification_channels=["discord"])
    live.webhooks.fail["post"] = [TransientError("Discord did not answer in time (POST for a message)")]
    with pytest.raises(TransientError):
        live.deliver(task(None))
    assert live.deliver(task(None)) is False
    assert live.record().status == NotificationStatus.UNDELIVERABLE and live.discord_messages() == []


def test_a_deleted_webhook_falls_back_to_the_next_channel(live: Live) -> None:
    live.connect_discord(notification_channels=["discord", "notion_comment"])
    live.webhooks.fail["post"] = [Unauthenticated("Discord no longer knows this webhook")]
    assert live.deliver(task(live.page)) is True
    assert live.discord_messages() == [] and len(live.comments()) == 1
    assert "discord: Discord no longer knows this webhook" in live.record().reason


def test_not_connected_or_its_secret_gone_is_a_refusal(live: Live) -> None:
    assert live.deliver(task(None, channel="outbox")) is False  # default order: none can carry it
    assert "discord: Discord is not connected" in live.record().reason
    live.connect_discord(notification_channels=["discord"])
    del live.secrets.values[chat_token_secret("t1", Integration.DISCORD)]
    assert live.deliver(task(None, notification_id="n2")) is False
    assert live.record("n2").reason == "discord: Discord was disconnected (its webhook is gone)"


def test_the_url_is_in_no_record_and_no_log(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    live.connect_discord(notification_channels=["discord"])
    live.webhooks.fail["post"] = [PermanentError("Discord refused a message (400: Invalid Form Body)")]
    live.deliver(task(None))
    live.deliver(task(None, notification_id="n2"))
    records = repr(live.records.records)
    assert "fake-webhook-token" not in records and "fake-webhook-token" not in caplog.text


def test_any_channel_s_nothing_sent_failure_lets_the_retry_skip_the_search(live: Live) -> None:
    live.connect_slack(notification_channels=["slack"])
    live.chat.fail["post_message"] = [NothingSent("Slack is unreachable (ConnectError, POST for a message)")]
    live.chat.fail["find_message"] = [PermanentError("the retry must not search")]
    with pytest.raises(NothingSent):
        live.deliver(task(None))
    assert live.deliver(task(None)) is True and len(live.messages()) == 1
