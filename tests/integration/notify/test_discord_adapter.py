"""The Discord adapter (httpx underneath) against the code sandbox's Discord over real HTTP: who a
webhook is, a message posted with mentions off, Discord's refusals mapped to our kinds with a reason a
person understands, and never the webhook's token in an error, a log line or the sandbox's log."""

import logging

import pytest

from local.code_sandbox import SEED
from local.code_sandbox.testing import Admin, RunningSandbox
from shared.notify.adapters.discord import DiscordWebhookClient
from shared.platform.errors import NothingSent, PermanentError, TransientError, Unauthenticated
from tests.integration.assertions import assert_token_absent

pytestmark = pytest.mark.integration
WEBHOOK_ID, TOKEN = SEED["discord_webhook_id"], SEED["discord_webhook_token"]
URL = f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{TOKEN}"


@pytest.fixture
def discord(sandbox: RunningSandbox) -> DiscordWebhookClient:
    return DiscordWebhookClient(sandbox.discord_url, timeout_s=5)


def test_the_webhook_says_who_it_is(discord: DiscordWebhookClient, admin: Admin) -> None:
    assert discord.account(URL) == "Notion Agent in channel 1200000000000000002"


def test_a_message_is_posted_with_mentions_off(discord: DiscordWebhookClient, admin: Admin) -> None:
    message_id = discord.post(URL, "**Done** @everyone")
    (posted,) = admin.get(f"/discord/webhooks/{WEBHOOK_ID}/messages")
    assert posted["id"] == message_id and posted["content"] == "**Done** @everyone"
    assert posted["allowed_mentions"] == {"parse": []}


def test_the_url_s_host_is_never_called(discord: DiscordWebhookClient, admin: Admin) -> None:
    """Only the id and token are taken from the URL; the configured base URL is what is called."""
    discord.post(f"https://canary.discord.com/api/v9/webhooks/{WEBHOOK_ID}/{TOKEN}", "hello")
    assert len(admin.get(f"/discord/webhooks/{WEBHOOK_ID}/messages")) == 1


def test_a_deleted_webhook_is_unauthenticated(
    discord: DiscordWebhookClient, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    other = URL.replace(TOKEN, "another-token-that-discord-does-not-know-0123")
    with pytest.raises(Unauthenticated) as raised:
        discord.post(other, "hello")
    assert "connect Discord again" in raised.value.reason
    assert_token_absent(raised.value, "another-token-that-discord-does-not-know-0123", caplog)


def test_a_url_that_is_not_a_webhook_s_is_refused_without_a_request(
    discord: DiscordWebhookClient, admin: Admin
) -> None:
    with pytest.raises(PermanentError, match=r"webhooks/<id>/<token>"):
        discord.account(f"https://example.com/hooks/{TOKEN}")
    assert admin.get("/requests") == []


def test_an_oversized_message_is_refused_before_sending(discord: DiscordWebhookClient, admin: Admin) -> None:
    with pytest.raises(PermanentError, match="1 to 2000 characters"):
        discord.post(URL, "x" * 2001)
    assert admin.get("/requests") == []


def test_a_rate_limit_sent_nothing_and_says_when_to_retry(
    discord: DiscordWebhookClient, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin.inject(service="discord", status=429, retry_after=7)
    with pytest.raises(NothingSent) as raised:
        discord.post(URL, "hello")
    assert raised.value.retry_after_s == 7
    assert_token_absent(raised.value, TOKEN, caplog)
    assert admin.get(f"/discord/webhooks/{WEBHOOK_ID}/messages") == []


def test_a_discord_outage_is_transient_and_may_have_posted(
    discord: DiscordWebhookClient, admin: Admin
) -> None:
    admin.inject(service="discord", status=502, when="after")
    with pytest.raises(TransientError) as raised:
        discord.post(URL, "hello")
    assert not isinstance(raised.value, NothingSent)


def test_the_sandbox_log_holds_no_token(discord: DiscordWebhookClient, admin: Admin) -> None:
    discord.post(URL, "hello")
    logged = admin.get("/requests")
    assert logged and all(TOKEN not in str(line) for line in logged)
