"""The live notifier: a notification goes to one channel of the tenant's, at most once.

Channels: a Notion comment on the page it is about (``notion_comment``) or a message in the tenant's
Slack channel (``slack``: Slack connected, ``slack_channel_id`` set). The notification goes to the
first of the tenant's ``notification_channels`` that can carry it (a task naming a channel of its
own, like the reconnect notice, goes there or nowhere).

1. The record ``tenants/{t}/notifications/{id}`` is created exclusively (``sending``, with the channel
   and a lease of ``lease_s``); a record already ``sent`` or ``undeliverable`` means nothing is left to
   do, one still ``sending`` under its lease means another delivery is at work (TransientError:
   retried).
2. A record found ``sending`` after its lease (a crash between recording and finishing) is taken
   over and *reconciled*: the page's comments, or the Slack channel's messages of the last
   ``RECONCILE_WINDOW``, are searched for the notification's marker line before sending again.
3. The comment or message is sent and the record marked ``sent`` with its id.

No channel can carry it (no page and no Slack, a tenant gone), or the channel refuses for good (page
deleted or not shared, the Slack token revoked, the bot not in the channel): recorded
``undeliverable`` with the reason, logged at WARNING (id and reason only, never the text or its
links). A transient error releases the lease and propagates (notify answers 503; Cloud Tasks retries,
and the retry reconciles first). The channel is chosen again on a retry: an owner who changes the
channels while a delivery is failing may get it on both (at most once per channel).
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from shared.domain import notifications as dn
from shared.domain.integrations import Integration, chat_token_secret
from shared.domain.notifications import Claim, NotificationStatus
from shared.domain.tasks import NotifyTask
from shared.domain.tenants import Tenant, TenantStatus
from shared.errors import NotFound, PermanentError, TransientError, Unauthenticated
from shared.ports import Chat, NotificationLog, Notion, SecretStore, TenantStore

log = logging.getLogger(__name__)

RECONCILE_WINDOW = timedelta(days=2)  # longer than the notify queue retries a task


class TenantNotion(Protocol):
    """Runs a Notion operation with a tenant's current token (``NotionAccess``)."""

    def run[T](self, tenant_id: str, operation: Callable[[str], T]) -> T: ...


class Channel(Protocol):
    name: str

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        """Why this channel cannot carry ``task`` for ``tenant``; None when it can."""
        ...

    def find(self, task: NotifyTask, tenant: Tenant, since: datetime) -> str | None:
        """The id of what an earlier attempt sent (found by its marker line), if any."""
        ...

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        """Send it; the id of the comment or message."""
        ...


class NotionComments:
    name = "notion_comment"

    def __init__(self, access: TenantNotion, notion: Notion) -> None:
        self._access, self._notion = access, notion

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if dn.page_of(task) is None:
            return "it is about no page"
        if tenant.status != TenantStatus.ACTIVE:
            return "the workspace's Notion connection is gone"
        return None

    def find(self, task: NotifyTask, tenant: Tenant, since: datetime) -> str | None:
        page_id, marker = dn.page_of(task) or "", dn.marker_text(task.notification_id)

        def search(token: str) -> str | None:
            for comment in self._notion.list_comments(token, page_id):
                if dn.plain(comment.get("rich_text")).rstrip().endswith(marker):
                    return str(comment.get("id", ""))
            return None

        return self._access.run(tenant.tenant_id, search)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        page_id, text = dn.page_of(task) or "", dn.comment_text(task)
        comment = self._access.run(
            tenant.tenant_id, lambda token: self._notion.add_comment(token, page_id, text)
        )
        return str(comment.get("id", ""))


class SlackMessages:
    name = "slack"

    def __init__(self, chat: Chat, secrets: SecretStore) -> None:
        self._chat, self._secrets = chat, secrets

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if Integration.SLACK not in tenant.integrations:
            return "Slack is not connected"
        if not tenant.settings.slack_channel_id:
            return "no Slack channel is chosen (slack_channel_id)"
        return None

    def _token(self, tenant: Tenant) -> str:
        try:
            return self._secrets.get(chat_token_secret(tenant.tenant_id))
        except NotFound:
            raise PermanentError("Slack was disconnected (its token is gone)") from None

    def find(self, task: NotifyTask, tenant: Tenant, since: datetime) -> str | None:
        channel, marker = tenant.settings.slack_channel_id or "", dn.marker_text(task.notification_id)
        return self._chat.find_message(self._token(tenant), channel, marker, since)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        channel = tenant.settings.slack_channel_id or ""
        return self._chat.post_message(self._token(tenant), channel, dn.slack_text(task))


def _now() -> datetime:
    return datetime.now(UTC)


class LiveNotifier:
    def __init__(
        self,
        records: NotificationLog,
        tenants: TenantStore,
        channels: list[Channel],
        lease_s: float,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._records, self._tenants, self._channels = records, tenants, {c.name: c for c in channels}
        self._lease_s, self._clock = lease_s, clock

    def deliver(self, task: NotifyTask) -> bool:
        """True when this call sent it; False when it was sent before or cannot be."""
        now = self._clock()
        tenant = self._tenants.get(task.tenant_id)
        channel, reason = self._route(task, tenant)
        status = NotificationStatus.SENDING if channel else NotificationStatus.UNDELIVERABLE
        record = dn.new_record(
            task, now, self._lease_s, status, reason=reason, channel=channel.name if channel else ""
        )
        claim = self._records.claim(task.tenant_id, record, now)
        if claim is Claim.DONE:
            return False
        if claim is Claim.BUSY:
            raise TransientError("another delivery of this notification is in progress")
        if channel is None or tenant is None:
            log.warning("notification %s is undeliverable: %s", task.notification_id, reason)
            return False
        try:
            found = channel.find(task, tenant, now - RECONCILE_WINDOW) if claim is Claim.RETAKEN else None
            sent = found if found is not None else channel.send(task, tenant)
        except TransientError:
            self._records.release(task.tenant_id, task.notification_id, self._clock())
            raise
        except (PermanentError, NotFound, Unauthenticated) as exc:
            self._finish(task, NotificationStatus.UNDELIVERABLE, reason=f"{channel.name}: {exc.reason}")
            log.warning(
                "notification %s is undeliverable: %s: %s", task.notification_id, channel.name, exc.reason
            )
            return False
        detail = {"comment_id": sent} if channel.name == "notion_comment" else {"message_ts": sent}
        self._finish(task, NotificationStatus.SENT, **detail)
        return found is None

    def _route(self, task: NotifyTask, tenant: Tenant | None) -> tuple[Channel | None, str]:
        """The channel that carries ``task``, or None and why none can."""
        if tenant is None:
            return None, "the workspace is not connected"
        wanted = [task.channel] if task.channel in self._channels else tenant.settings.notification_channels
        reasons = []
        for name in wanted:
            channel = self._channels.get(name)
            why = "no such channel here" if channel is None else channel.unable(task, tenant)
            if channel is not None and why is None:
                return channel, ""
            reasons.append(f"{name}: {why}")
        return None, "; ".join(reasons) or "no notification channel is chosen"

    def _finish(self, task: NotifyTask, status: NotificationStatus, **detail: str) -> None:
        self._records.finish(task.tenant_id, task.notification_id, status, self._clock(), **detail)
