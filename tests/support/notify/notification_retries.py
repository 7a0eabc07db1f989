"""Shared by several test modules: helpers first written for ``tests/unit/notify/test_notification_retries.py``."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from shared.notify.domain.notify_task import NotifyTask
from shared.notify.ports import NotificationChannel
from shared.notify.services.channels import Emails, NotionComments, SlackMessages, sender_domain
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.links import LinkMinter
from shared.platform.config import PlatformSecret
from shared.platform.errors import TransientError
from shared.workspace.domain.integrations import Integration, chat_token_secret
from shared.workspace.domain.settings import NotificationChannel as ChannelName
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.notify.notifications import Access, Clock
from tests.support.notify.notify_fakes import FakeChat, FakeMailer, FakeNotificationLog
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeSecrets

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


LEASE_S = 120.0


SLACK_CHANNEL = "C0SANDBOX01"


SENDER = "Notion Agent <agent@example.com>"


RELAY_PASSWORD = "relay-password-never-shown"


@dataclass
class Notion(FakeNotion):
    """FakeNotion whose comment listing can be refused (``fail["list_comments"]``)."""

    def list_comments(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        self._maybe_fail("list_comments")
        return super().list_comments(token, block_id)


def tenant(*channels: ChannelName, slack: bool = True) -> Tenant:
    settings = TenantSettings(
        notification_channels=list(channels), slack_channel_id=SLACK_CHANNEL if slack else None
    )
    return Tenant(
        tenant_id="t1",
        workspace_id="w1",
        token_secret="notion-token-t1",
        owner_email="owner@example.com",
        settings=settings,
        integrations=(Integration.SLACK,) if slack else (),
        created_at=NOW,
        updated_at=NOW,
    )


def note(subject: str = "Run completed", page_id: str | None = None, **changes: Any) -> NotifyTask:
    data = {"page_id": page_id} if page_id else {}
    return NotifyTask(
        notification_id="n1", tenant_id="t1", run_id="r1", subject=subject, text="All done.", data=data
    ).model_copy(update=changes)


@dataclass
class World:
    notifier: ChannelDelivery
    records: FakeNotificationLog
    chat: FakeChat
    mailer: Any
    notion: Notion
    clock: Clock
    page: str

    def record(self) -> Any:
        return self.records.records[("t1", "n1")]

    def messages(self) -> list[str]:
        return [text for _, text in self.chat.messages.get(SLACK_CHANNEL, [])]


def world(mailer: Any = None, chat: FakeChat | None = None) -> World:
    records, notion, clock = FakeNotificationLog(), Notion(), Clock()
    chat = FakeChat() if chat is None else chat
    chat.clock = chat.clock or clock  # Slack stamps a message with the time it is posted
    mailer = FakeMailer(password=RELAY_PASSWORD) if mailer is None else mailer
    secrets = FakeSecrets({PlatformSecret.SMTP_PASSWORD: RELAY_PASSWORD, chat_token_secret("t1"): chat.token})
    channels: list[NotificationChannel] = [
        NotionComments(partial(Access().for_tenant, notion)),
        SlackMessages(chat, secrets),
        Emails(
            mailer,
            secrets,
            sender_domain(SENDER),
            LinkMinter(secrets, "https://api.example", 3 * 24 * 3600.0),
        ),
    ]
    page = notion.add_page("Launch plan")
    return World(
        ChannelDelivery(records, channels, LEASE_S, clock), records, chat, mailer, notion, clock, page
    )


class LostReplyChat(FakeChat):
    """Slack posts the message but the answer is lost (a timeout), once."""

    lose: bool = True

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        ts = super().post_message(token, channel, text, metadata)
        if self.lose:
            self.lose = False
            raise TransientError("Slack did not answer in time (chat.postMessage)")
        return ts
