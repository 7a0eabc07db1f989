"""Shared by several test modules: helpers first written for ``tests/unit/notify/test_notifications.py``."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from unittest.mock import patch

import pytest

from shared.notify.domain.notifications import plain
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.channel_table import ChannelPorts, build_channels
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.links import LinkMinter
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.config import PlatformSecret
from shared.workspace.domain.integrations import Integration, chat_token_secret
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.support.notify.notify_fakes import FakeChat, FakeChatWebhooks, FakeMailer, FakeNotificationLog
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.workspace_fakes import FakeTenantStore

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


LEASE_S = 120.0


SLACK_CHANNEL = "C0SANDBOX01"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


class Crash(Exception):
    """The instance dies at this point (nothing of ours catches it)."""


class Access:
    """NotionAccess's ``for_tenant`` with a fixed token."""

    def for_tenant(self, notion: Any, tenant: Any) -> NotionForTenant:
        return NotionForTenant(notion, lambda operation: operation("token"))


def tenant(
    status: TenantStatus = TenantStatus.ACTIVE, slack: bool = False, discord: bool = False, **settings: Any
) -> Tenant:
    if slack:
        settings.setdefault("slack_channel_id", SLACK_CHANNEL)
    connected = (Integration.SLACK,) * slack + (Integration.DISCORD,) * discord
    return Tenant(
        tenant_id="t1",
        workspace_id="w1",
        token_secret="notion-token-t1",
        status=status,
        settings=TenantSettings(**settings),
        integrations=connected,
        created_at=NOW,
        updated_at=NOW,
    )


@dataclass
class Live:
    notifier: ChannelDelivery
    notion: FakeNotion
    chat: FakeChat
    mailer: FakeMailer
    records: FakeNotificationLog
    tenants: FakeTenantStore
    secrets: FakeSecrets
    clock: Clock
    page: str
    webhooks: FakeChatWebhooks

    def deliver(self, note: NotifyTask) -> bool:
        """What notify does: the tenant as it is now, then the notifier."""
        return self.notifier.deliver(note, self.tenants.get(note.tenant_id))

    def dies_before_finishing(self, note: NotifyTask) -> None:
        """A delivery whose instance dies after sending, before the record is marked sent."""

        def crash(*_: Any, **__: Any) -> None:
            raise Crash("instance died before marking the record sent")

        with patch.object(self.records, "finish", crash), pytest.raises(Crash):
            self.deliver(note)

    def dies_at(self, failures: dict[str, Any], call: str, note: NotifyTask) -> None:
        """A delivery whose instance dies at the fake's ``call`` (``failures``: that fake's ``fail``),
        after the record was made and before the channel answered."""
        failures[call] = [Crash("instance died after recording")]
        with pytest.raises(Crash):
            self.deliver(note)

    def wait_out_lease(self) -> None:
        """The clock past the lease a crashed delivery left: a retry may take the record."""
        self.clock.now += timedelta(seconds=LEASE_S + 1)

    def comments(self) -> list[str]:
        return [plain(c["rich_text"]) for c in self.notion.comments.get(self.page, [])]

    def messages(self) -> list[str]:
        return [text for _, text in self.chat.messages.get(SLACK_CHANNEL, [])]

    def record(self, notification_id: str = "n1") -> Any:
        return self.records.records[("t1", notification_id)]

    def connect_slack(self, **settings: Any) -> None:
        self.tenants.save(tenant(slack=True, **settings))
        self.secrets.put(chat_token_secret("t1"), self.chat.token)

    def connect_discord(self, **settings: Any) -> None:
        self.tenants.save(tenant(discord=True, **settings))
        self.secrets.put(chat_token_secret("t1", Integration.DISCORD), self.webhooks.url)

    def discord_messages(self) -> list[str]:
        return self.webhooks.messages.get(self.webhooks.url, [])

    def change(self, **settings: Any) -> None:
        """The owner changes settings (PUT /settings)."""
        current = self.tenants.tenants["t1"]
        changed = current.settings.model_copy(update=settings)
        self.tenants.save(current.model_copy(update={"settings": changed}))

    def confirm(self, address: str) -> None:
        """``address``'s recipient follows its confirmation link (POST /email-confirmations/...)."""
        current = self.tenants.tenants["t1"]
        self.tenants.save(current.model_copy(update={"confirmed_email": address}))


SENDER = "Notion Agent <agent@example.com>"


def channel_delivery(
    records: Any,
    access: Any,
    notion: Any,
    chat: Any,
    secrets: Any,
    clock: Any,
    mailer: FakeMailer | None = None,
    webhooks: FakeChatWebhooks | None = None,
) -> ChannelDelivery:
    """The live notifier as the composition root makes it: a channel per row of the channel table."""
    ports = ChannelPorts(
        notion_for=partial(access.for_tenant, notion),
        chat=chat,
        discord=webhooks or FakeChatWebhooks(),
        mailer=mailer,
        secrets=secrets,
        minter=LinkMinter(secrets, "https://api.example", 3 * 24 * 3600.0),
        smtp_sender=SENDER,
    )
    return ChannelDelivery(records, build_channels(ports), LEASE_S, clock)


@pytest.fixture
def live() -> Live:
    notion, records, clock = FakeNotion(), FakeNotificationLog(), Clock()
    chat = FakeChat(clock=clock)
    tenants, secrets, mailer = FakeTenantStore(), FakeSecrets(), FakeMailer()
    tenants.save(tenant())
    secrets.put(PlatformSecret.SMTP_PASSWORD, mailer.password)
    page = notion.add_page("Launch plan")
    webhooks = FakeChatWebhooks()
    notifier = channel_delivery(records, Access(), notion, chat, secrets, clock, mailer, webhooks)
    return Live(notifier, notion, chat, mailer, records, tenants, secrets, clock, page, webhooks)


def task(page_id: str | None, notification_id: str = "n1", **changes: Any) -> NotifyTask:
    data = {"page_id": page_id} if page_id else {}
    fields = {"subject": "Run completed: plan the launch", "text": "All done.", "data": data} | changes
    return NotifyTask(notification_id=notification_id, tenant_id="t1", run_id="r1", **fields)
