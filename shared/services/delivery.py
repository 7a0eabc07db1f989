"""The delivery of a notification across the tenant's channels, at most once: a lease on its record,
reconciling what a crashed or failed attempt may have sent, falling back to the next channel when one
refuses it for good, and giving up once the queue would stop retrying. Channels
(``NotificationChannel``, shared.services.channels) and the record (``NotificationLog``) are ports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain import notifications as dn
from shared.domain.notifications import DeliveryClaim, NotificationStatus
from shared.domain.tasks.notify import NotifyTask
from shared.domain.tenants import Tenant
from shared.errors import NotFound, PermanentError, TransientError, Unauthenticated

if TYPE_CHECKING:
    from shared.ports import NotificationChannel as Channel
    from shared.ports import NotificationLog

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


def _now() -> datetime:
    return datetime.now(UTC)


class ChannelDelivery:
    """Delivers a notification on one of the tenant's channels, at most once (the ``Notifier`` port).

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
        if claimed.claim is DeliveryClaim.DONE:
            return False
        if claimed.claim is DeliveryClaim.BUSY:
            raise TransientError("another delivery of this notification is in progress")
        retaken = claimed.claim is DeliveryClaim.RETAKEN
        if retaken and tenant is not None:
            channel = self._earlier_channel(task, tenant, claimed.channel) or channel
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
                return self._give_up_possibly_sent(task, channel, exc.reason)
            except (PermanentError, NotFound, Unauthenticated) as exc:
                return self._give_up_possibly_sent(task, channel, exc.reason)
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

    def _give_up_possibly_sent(self, task: NotifyTask, channel: Channel, reason: str) -> bool:
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

    def _earlier_channel(self, task: NotifyTask, tenant: Tenant, name: str) -> Channel | None:
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
