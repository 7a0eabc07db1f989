"""The live notifier: a notification goes to one channel of the tenant's, at most once.

Channels: a Notion comment on the page it is about (``notion_comment``), a message in the tenant's
Slack channel (``slack``: Slack connected, ``slack_channel_id`` set) or an email through the
deployment's SMTP relay (``email``: ``smtp_host`` set; to ``notification_email`` once it is the
owner's Notion email or its recipient confirmed it, else to the owner's Notion email:
``Tenant.email_recipient``). The notification goes to the first of the tenant's
``notification_channels`` that can carry it (a task naming a channel of its own, like the reconnect
notice, goes there or nowhere). The one exception to the recipient: the mail asking a
notification_email to confirm itself (``CONFIRMATION_KIND``, email only) goes to that address, while
it is still the tenant's notification_email. Signed links (a decision's, a confirmation's) are minted
as the mail is sent (``LinkMinter``) and go into that mail alone: never a comment, a Slack message,
the record or a log.

1. The record ``tenants/{t}/notifications/{id}`` is created exclusively (``sending``, with the channel
   and a lease of ``lease_s``); a record already ``sent`` or ``undeliverable`` means nothing is left to
   do, one still ``sending`` under its lease means another delivery is at work (TransientError:
   retried).
2. A record found ``sending`` after its lease (a crash between recording and finishing, or a
   transient failure that released it) is taken over, and it stays on the channel recorded: the
   page's comments, or the Slack channel's messages posted while an earlier attempt could have sent
   it (from the first attempt's start to the end of the lease taken over, ``SEARCH_MARGIN`` wider on
   each side), are searched for the notification's marker line before sending again. The record
   names the Slack channel too (``where``, before each post): a retry looks in the channel an
   earlier attempt posted to even when the owner has chosen another since, and only what is not
   found there is posted, to the new one (recorded first). Sent mail
   cannot be searched: an email is sent again with the same Message-ID, which mail clients that
   de-duplicate by it show once.
   Only when the recorded channel can no longer carry it (Slack disconnected meanwhile, say) does
   the retry choose again; the owner may then get it on both. When that search is refused (the Slack
   app lacks ``channels:history``, the bot left the channel, Notion refuses to list the comments), the
   earlier attempt may have sent it and nothing can tell: it is recorded ``undeliverable`` ("may have
   been sent on ...; could not check"), never sent again there or elsewhere. So is a Slack window
   holding more messages than the search may read (``shared.adapters.slack.SearchExhausted``).
3. The comment, message or email is sent and the record marked ``sent`` with its id.
4. A channel that refuses it for good (page deleted or not shared, the Slack token revoked, the bot
   not in the channel, the relay refusing the address or this deployment's credentials) sent
   nothing, so the next channel of the tenant's order that can carry it gets it: the record is moved
   there first (``NotificationLog.move``, with the refusal as its reason), so a crash while sending on
   it is reconciled there. A task naming its own channel is not moved.

No channel can carry it (no page, no Slack and no address, a tenant gone), or every one that could
refused it: recorded ``undeliverable`` with the reasons, logged at WARNING (id and reasons only, never
the text or its links). A transient error releases the lease and propagates (notify answers 503;
Cloud Tasks retries, and the retry reconciles first), until ``GIVE_UP_AFTER`` has passed since the
first attempt (the record's ``created_at``): then it counts as that channel refusing it (a failed
search as one that cannot check), so the queue's last attempts end it, never leaving it ``sending``
once the queue stops retrying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Protocol

from shared.config import PlatformSecret
from shared.domain import notifications as dn
from shared.domain.integrations import Integration, chat_token_secret
from shared.domain.notifications import Claim, Mail, NotificationStatus
from shared.domain.tasks.notify import NotifyTask
from shared.domain.tenants import CONFIRMATION_KIND, Tenant, TenantStatus, same_address
from shared.errors import NotFound, PermanentError, TransientError, Unauthenticated

if TYPE_CHECKING:
    from shared.ports import Chat, LinkMinter, Mailer, NotificationLog, Notion, SecretStore

log = logging.getLogger(__name__)

# How much wider than the attempts' time the Slack search looks: our clock against Slack's, and an
# attempt's post landing a little after its lease ended.
SEARCH_MARGIN = timedelta(minutes=2)
# The notify queue (terraform/tasks.tf, local.queues.notify) retries a failed task until it has made
# max_attempts (56) attempts AND max_retry_duration (24 h) has passed since its first attempt: Cloud
# Tasks stops only when both are reached. Its backoff (10 s doubling 6 times, then growing to
# max_backoff, 30 min) reaches 30 min after about 2 h, so a notification failing transiently is
# attempted every 30 min until 24 h after its task's first attempt, then dropped. GIVE_UP_AFTER is
# half of that window: the ~24 attempts after it leave room for a record created some attempts after
# its task's first one (a failed tenant read), a lease left by a crashed attempt (NA_STEP_LEASE_S, at
# most 1 h) and a few lost attempts, so one of them finds the bound passed and ends the record.
# tests/unit/test_notification_retries.py checks both against terraform/tasks.tf.
NOTIFY_RETRY_WINDOW = timedelta(hours=24)  # the notify queue's max_retry_duration
GIVE_UP_AFTER = NOTIFY_RETRY_WINDOW / 2


class TenantNotion(Protocol):
    """Runs a Notion operation with a tenant's current token (``NotionAccess``)."""

    def run[T](self, tenant_id: str, operation: Callable[[str], T]) -> T: ...


class Channel(Protocol):
    name: str

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        """Why this channel cannot carry ``task`` for ``tenant``; None when it can."""
        ...

    def destination(self, tenant: Tenant) -> str:
        """Where in this channel a notification goes now, when the tenant's settings say and may
        change (the Slack channel's id); "" when the task alone says (a page's comments) or nothing
        can be searched (email)."""
        ...

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        """The id of what an earlier attempt sent between ``since`` and ``until`` (found by its marker
        line) to ``where`` (as it recorded it), if any."""
        ...

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        """Send it; the id of the comment, message or email."""
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

    def destination(self, tenant: Tenant) -> str:
        return ""  # the task's page

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        page_id, marker = dn.page_of(task) or "", dn.markers(task)  # every comment of the page

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

    def destination(self, tenant: Tenant) -> str:
        return tenant.settings.slack_channel_id or ""

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        # The channel an earlier attempt posted to, though the owner may have chosen another since
        # (a record from before ``where`` was recorded: the current one).
        channel, marker = where or self.destination(tenant), dn.markers(task)
        return self._chat.find_message(self._token(tenant), channel, marker, since, until)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        channel = tenant.settings.slack_channel_id or ""
        return self._chat.post_message(self._token(tenant), channel, dn.slack_text(task))


def sender_domain(sender: str) -> str:
    """The domain of the From address (``Notion Agent <agent@example.com>`` → ``example.com``): the
    right side of every Message-ID, as RFC 5322 advises."""
    return parseaddr(sender)[1].rpartition("@")[2] or "notion-agent.invalid"


class Emails:
    """Email through the deployment's relay (``mailer`` None: no ``smtp_host``, so no email)."""

    name = "email"

    def __init__(self, mailer: Mailer | None, secrets: SecretStore, domain: str, minter: LinkMinter) -> None:
        self._mailer, self._secrets, self._domain, self._minter = mailer, secrets, domain, minter

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if self._mailer is None:
            return "this deployment has no mail relay (smtp_host)"
        if _confirmation(task):
            return self._unable_to_confirm(task, tenant)
        if self._address(task, tenant):
            return None
        if tenant.email_confirmed() is False:
            return (
                "no confirmed address: confirm notification_email (a link was sent to it) or choose "
                "another channel (Notion gave no owner email)"
            )
        return "no address: set notification_email (Notion gave no owner email)"

    def _unable_to_confirm(self, task: NotifyTask, tenant: Tenant) -> str | None:
        if not self._address(task, tenant):
            return "its address is no longer notification_email (the setting changed)"
        if tenant.email_confirmed():
            return "notification_email is confirmed already"
        return None

    def destination(self, tenant: Tenant) -> str:
        return ""

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        return None  # sent mail cannot be searched: the same Message-ID goes again (module docstring)

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        if self._mailer is None:
            raise PermanentError("this deployment has no mail relay (smtp_host)")
        try:
            password = self._secrets.get(PlatformSecret.SMTP_PASSWORD)
        except NotFound:
            log.error("email is failing: the platform secret %s is not set", PlatformSecret.SMTP_PASSWORD)
            raise PermanentError(f"the platform secret {PlatformSecret.SMTP_PASSWORD} is not set") from None
        try:
            links = self._minter.links(task, tenant)
        except NotFound:  # the operator's to fix; the run waits for this mail: retried, not dropped
            log.error(
                "email is failing: the platform secret %s is not set", PlatformSecret.SESSION_SIGNING_KEY
            )
            raise TransientError(
                f"the platform secret {PlatformSecret.SESSION_SIGNING_KEY} is not set"
            ) from None
        mail = Mail(
            to=self._address(task, tenant),
            subject=task.subject,
            text=dn.email_text(task, links),
            message_id=dn.email_message_id(task, self._domain),
        )
        try:
            return self._mailer.send(password, mail)
        except Unauthenticated as exc:  # the deployment's credentials, not the tenant's: the operator's
            log.error(
                "email is failing: %s (check smtp_username and %s)", exc.reason, PlatformSecret.SMTP_PASSWORD
            )
            raise

    @staticmethod
    def _address(task: NotifyTask, tenant: Tenant) -> str:
        """The recipient: the tenant's (``Tenant.email_recipient``); for a confirmation, the address
        it confirms while that is still notification_email. "": none."""
        if not _confirmation(task):
            return tenant.email_recipient()
        chosen, asked = tenant.settings.notification_email, task.data.get("to")
        return chosen if chosen and isinstance(asked, str) and same_address(asked, chosen) else ""


def _confirmation(task: NotifyTask) -> bool:
    """Whether ``task`` asks a notification_email to confirm itself (email only, by our own code)."""
    return task.data.get("kind") == CONFIRMATION_KIND and task.channel == "email"


def _now() -> datetime:
    return datetime.now(UTC)


class LiveNotifier:
    def __init__(
        self,
        records: NotificationLog,
        channels: list[Channel],
        lease_s: float,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._records, self._channels = records, {c.name: c for c in channels}
        self._lease_s, self._clock = lease_s, clock

    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        """True when this call sent it; False when it was sent before or cannot be."""
        now = self._clock()
        channel, reason = self._route(task, tenant)
        status = NotificationStatus.SENDING if channel else NotificationStatus.UNDELIVERABLE
        where = channel.destination(tenant) if channel is not None and tenant is not None else ""
        record = dn.new_record(
            task,
            now,
            self._lease_s,
            status,
            reason=reason,
            channel=channel.name if channel else "",
            where=where,
        )
        claimed = self._records.claim(task.tenant_id, record, now)
        if claimed.claim is Claim.DONE:
            return False
        if claimed.claim is Claim.BUSY:
            raise TransientError("another delivery of this notification is in progress")
        retaken = claimed.claim is Claim.RETAKEN
        if retaken and tenant is not None:
            channel = self._recorded(task, tenant, claimed.channel) or channel
        if channel is None or tenant is None:
            if retaken:  # a new record was created undeliverable already
                self._finish(task, NotificationStatus.UNDELIVERABLE, reason=reason)
            log.warning("notification %s is undeliverable: %s", task.notification_id, reason)
            return False
        # Only the channel recorded may hold what an earlier attempt sent (another one chosen now
        # because it can no longer carry it never had it).
        look = retaken and channel.name == claimed.channel
        started = (claimed.started_at or now) if retaken else now
        until = min(claimed.until or now, now) if retaken else now
        looked_at = claimed.where if look else ""
        return self._carry(task, tenant, channel, look=look, where=looked_at, started=started, until=until)

    def _carry(
        self,
        task: NotifyTask,
        tenant: Tenant,
        channel: Channel,
        *,
        look: bool,
        where: str,
        started: datetime,
        until: datetime,
    ) -> bool:
        """Send ``task`` on ``channel`` (looking there first when ``look``: an earlier attempt, from
        ``started`` to ``until``, may have sent it there), or on the next channel when one refuses it,
        and finish the record. A transient failure ``GIVE_UP_AFTER`` after ``started`` is a refusal."""
        if look:
            try:
                found = channel.find(task, tenant, started - SEARCH_MARGIN, until + SEARCH_MARGIN, where)
            except TransientError as exc:
                if self._overdue(started) is None:
                    self._release(task)
                    raise
                return self._unchecked(task, channel, exc.reason)
            except (PermanentError, NotFound, Unauthenticated) as exc:
                return self._unchecked(task, channel, exc.reason)
            if found is not None:
                self._finish(
                    task, NotificationStatus.SENT, channel=channel.name, **{_SENT_ID[channel.name]: found}
                )
                return False
            if where and channel.destination(tenant) != where:  # the owner chose another since: sent there,
                self._move(task, channel, tenant, reason="")  # and looked for there by a later retry
        refused: dict[str, str] = {}  # channel → why it refused
        why = ""
        while True:
            try:
                sent = channel.send(task, tenant)
            except TransientError as exc:
                overdue = self._overdue(started)
                if overdue is None:
                    self._release(task)
                    raise
                refused[channel.name] = f"{exc.reason} (still failing {overdue} after the first attempt)"
            except (PermanentError, NotFound, Unauthenticated) as exc:
                refused[channel.name] = exc.reason
            else:
                detail = {_SENT_ID[channel.name]: sent, "reason": why}  # why not the first channel, if so
                self._finish(task, NotificationStatus.SENT, channel=channel.name, **detail)
                return True
            why = "; ".join(f"{name}: {reason}" for name, reason in refused.items())
            following = self._following(task, tenant, refused)
            if following is None:
                self._finish(task, NotificationStatus.UNDELIVERABLE, reason=why, channel=channel.name)
                log.warning("notification %s is undeliverable: %s", task.notification_id, why)
                return False
            log.warning("notification %s goes to %s: %s", task.notification_id, following.name, why)
            self._move(task, following, tenant, reason=why)
            channel = following

    def _move(self, task: NotifyTask, channel: Channel, tenant: Tenant, *, reason: str) -> None:
        """Record that ``task`` goes to ``channel`` (where the tenant's settings say now), with a new
        lease, before it is sent there: a retry after a crash looks there."""
        moved = self._clock()
        until = moved + timedelta(seconds=self._lease_s)
        self._records.move(
            task.tenant_id,
            task.notification_id,
            channel.name,
            moved,
            reason=reason,
            lease_until=until,
            where=channel.destination(tenant),
        )

    def _overdue(self, started: datetime) -> str | None:
        """How long since the first attempt, when that is ``GIVE_UP_AFTER`` or more; else None."""
        age = self._clock() - started
        if age < GIVE_UP_AFTER:
            return None
        minutes = int(age.total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60} min"

    def _unchecked(self, task: NotifyTask, channel: Channel, reason: str) -> bool:
        """An earlier attempt may have sent ``task`` on ``channel`` and looking there failed: sending
        again there or elsewhere may send it twice, so it ends undeliverable."""
        why = f"may have been sent on {channel.name}; could not check: {reason}"
        self._finish(task, NotificationStatus.UNDELIVERABLE, reason=why, channel=channel.name)
        log.warning("notification %s is undeliverable: %s", task.notification_id, why)
        return False

    def _release(self, task: NotifyTask) -> None:
        self._records.release(task.tenant_id, task.notification_id, self._clock())

    def _following(self, task: NotifyTask, tenant: Tenant, refused: dict[str, str]) -> Channel | None:
        """The first channel of the tenant's order that can carry ``task`` and has not refused it (none
        for a task naming its own channel)."""
        if task.channel in self._channels:
            return None
        for name in tenant.settings.notification_channels:
            channel = self._channels.get(name)
            if name not in refused and channel is not None and channel.unable(task, tenant) is None:
                return channel
        return None

    def _recorded(self, task: NotifyTask, tenant: Tenant, name: str) -> Channel | None:
        """The channel an earlier delivery chose, if it can still carry ``task`` (it may have sent it
        there: the retry looks there first and sends nowhere else)."""
        if not name:
            return None
        channel = self._channels.get(name)
        why = "no such channel here" if channel is None else channel.unable(task, tenant)
        if channel is not None and why is None:
            return channel
        log.info("notification %s: %s cannot carry it any more (%s)", task.notification_id, name, why)
        return None

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


# Where each channel's id of what it sent is recorded.
_SENT_ID = {"notion_comment": "comment_id", "slack": "message_ts", "email": "message_id"}
