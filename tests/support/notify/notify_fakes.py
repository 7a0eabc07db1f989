"""Notifications' ports faked for unit tests: the notifier, the notification log, Slack, Discord's webhooks
and the mail relay."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.notify.domain.notifications import (
    Claimed,
    DeliveryClaim,
    Mail,
    Move,
    NotificationRecord,
    NotificationStatus,
    Outcome,
)
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import Blocks, Json, SlackThread
from shared.notify.ports import Chat, ChatWebhooks, Mailer, NotificationLog, Notifier, SlackMarkers
from shared.platform.errors import Unauthenticated
from shared.workspace.domain.tenants import Tenant


@dataclass
class FakeNotifier(Notifier):
    delivered: dict[str, NotifyTask] = field(default_factory=dict)

    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        if task.notification_id in self.delivered:
            return False
        self.delivered[task.notification_id] = task
        return True


class FakeNotificationLog(NotificationLog):
    """Notification records with Firestore's rules: created once; a stale ``sending`` is taken once."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], NotificationRecord] = {}

    def claim(self, tenant_id: str, record: NotificationRecord, now: datetime) -> Claimed:
        key = (tenant_id, record.notification_id)
        current = self.records.get(key)
        if current is None:
            self.records[key] = record
            return Claimed(DeliveryClaim.NEW)
        if current.status != NotificationStatus.SENDING:
            return Claimed(DeliveryClaim.DONE)
        if current.lease_until > now:
            return Claimed(DeliveryClaim.BUSY)
        update = {"lease_until": record.lease_until, "attempts": current.attempts + 1, "updated_at": now}
        self.records[key] = current.model_copy(update=update)
        return Claimed(
            DeliveryClaim.RETAKEN, current.channel, current.created_at, current.lease_until, current.where
        )

    def finish(self, tenant_id: str, notification_id: str, outcome: Outcome, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update=outcome.changes(now))

    def release(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update={"lease_until": now})

    def move(self, tenant_id: str, notification_id: str, move: Move, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update=move.changes(now))

    def recent(
        self, tenant_id: str, limit: int, since: datetime | None = None, after: str | None = None
    ) -> list[NotificationRecord] | None:
        mine = [
            r for (t, _), r in self.records.items() if t == tenant_id and (not since or r.created_at >= since)
        ]
        ordered = sorted(mine, key=lambda r: (r.created_at, r.notification_id), reverse=True)
        if after is not None:
            ids = [r.notification_id for r in ordered]
            if after not in ids:
                return None
            ordered = ordered[ids.index(after) + 1 :]
        return ordered[:limit]


@dataclass
class FakeChat(Chat):
    """Slack (the Chat port): channels of (ts, text) messages and each one's metadata by its ts;
    ``fail`` queues an exception per method."""

    token: str = "xoxb-fake"
    messages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # a reply's, by its ts
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    # The time a message is posted at (its ts, as Slack's clock gives it); unset: 2026-01-05 08:00 UTC
    # plus a second per message, the unit tests' morning.
    clock: Callable[[], datetime] | None = None

    def _check(self, method: str, token: str) -> None:
        _checked(self.fail, method, token == self.token, "Slack refused the token (invalid_auth)")

    def account(self, token: str) -> str:
        self._check("account", token)
        return "notion-agent in Acme"

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        self._check("post_message", token)
        sent = self.messages.setdefault(channel, [])
        if self.clock is None:
            ts = f"{1_767_600_000 + len(sent)}.000100"
        else:
            micros = round(self.clock().timestamp() * 1_000_000) + len(sent)  # distinct, like Slack's
            ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        sent.append((ts, text))
        if metadata:
            self.metadata[ts] = metadata
        return ts

    def find_message(
        self, token: str, channel: str, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        self._check("find_message", token)
        after, before = oldest.timestamp(), latest.timestamp()
        markers = marker if isinstance(marker, tuple) else (marker,)
        texts = tuple(m for m in markers if isinstance(m, str))
        found = [
            ts
            for ts, text in self.messages.get(channel, [])
            if self.metadata.get(ts) in markers or (texts and text.rstrip().endswith(texts))
        ]
        return next((ts for ts in found if after <= float(ts) <= before), None)

    def post_reply(
        self, token: str, thread: SlackThread, text: str, metadata: Json, blocks: Blocks = ()
    ) -> str:
        """A reply is kept under ``<channel>/<thread ts>``: the channel's history shows none."""
        ts = self.post_message(token, f"{thread.channel}/{thread.ts}", text, metadata)
        if blocks:
            self.blocks[ts] = list(blocks)
        return ts

    def find_reply(
        self, token: str, thread: SlackThread, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        return self.find_message(token, f"{thread.channel}/{thread.ts}", marker, oldest, latest)


@dataclass
class FakeChatWebhooks(ChatWebhooks):
    """Discord's webhooks (the ChatWebhooks port): messages per webhook URL; ``fail`` queues an
    exception per method."""

    url: str = "https://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789"
    messages: dict[str, list[str]] = field(default_factory=dict)
    fail: dict[str, list[Exception]] = field(default_factory=dict)

    def _check(self, method: str, url: str) -> None:
        _checked(self.fail, method, url == self.url, "Discord no longer knows this webhook")

    def account(self, url: str) -> str:
        self._check("account", url)
        return "Notion Agent in channel 1"

    def post(self, url: str, text: str) -> str:
        self._check("post", url)
        sent = self.messages.setdefault(url, [])
        sent.append(text)
        return str(1_300_000_000_000_000_000 + len(sent))


@dataclass
class FakeMailer(Mailer):
    """An SMTP relay (the Mailer port) that keeps what it accepted; ``fail`` queues exceptions."""

    password: str = "relay-password"
    sent: list[Mail] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)

    def send(self, password: str, mail: Mail) -> str:
        if self.fail:
            raise self.fail.pop(0)
        if password != self.password:
            raise Unauthenticated("the mail relay refused the SMTP credentials (535)")
        self.sent.append(mail)
        return mail.message_id


def _checked(fail: dict[str, list[Exception]], method: str, known: bool, refusal: str) -> None:
    """What a chat fake does first on each call: raise the exception ``fail`` queued for ``method``,
    else Unauthenticated (``refusal``) for a credential it does not know."""
    if fail.get(method):
        raise fail[method].pop(0)
    if not known:
        raise Unauthenticated(refusal)
