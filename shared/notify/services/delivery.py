"""The delivery of a notification across the tenant's channels, at most once. It holds a lease on its
record, reconciles what a crashed or failed attempt may have sent, falls back to the next channel when
one refuses it for good, and gives up once the queue would stop retrying. Channels
(``NotificationChannel``, shared.notify.services.channels) and the record (``NotificationLog``) are ports.
Why: docs/notifications.md, "At most once", "Fallback and giving up".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.notify.domain import notifications as dn
from shared.notify.domain.notifications import DeliveryClaim, Move, NotificationStatus, Outcome
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import NotFound, NothingSent, PermanentError, TransientError, Unauthenticated
from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:
    from shared.notify.ports import NotificationChannel as Channel
    from shared.notify.ports import NotificationLog
    from shared.notify.services.channel_table import SentId

log = logging.getLogger(__name__)

# How much wider than the attempts' time the Slack search looks: our clock against Slack's, and an
# attempt's post landing a little after its lease ended.
SEARCH_MARGIN = timedelta(minutes=2)
# The notify queue (terraform/tasks.tf, local.queues.notify) retries a failed task until both
# max_attempts (56) and max_retry_duration (24 h) are reached; its backoff reaches max_backoff (30 min)
# after about 2 h. GIVE_UP_AFTER is half that window, so the ~24 attempts after it leave room for a
# late record, a crashed attempt's lease (NA_STEP_LEASE_S, at most 1 h) and lost attempts.
# tests/unit/notify/test_notification_retries.py checks both against terraform/tasks.tf.
NOTIFY_RETRY_WINDOW = timedelta(hours=24)  # the notify queue's max_retry_duration
GIVE_UP_AFTER = NOTIFY_RETRY_WINDOW / 2


def _now() -> datetime:
    return datetime.now(UTC)


class ChannelDelivery:
    """Delivers a notification on one of the tenant's channels, at most once (the ``Notifier`` port).
    The record is created exclusively (``sending``, its channel, a lease of ``lease_s``); a ``sent`` or
    ``undeliverable`` one leaves nothing to do, a ``sending`` one under its lease is a TransientError.
    One past its lease is taken over on its channel (and ``where``) unless that can no longer carry it;
    what it may have sent is searched for first (refused or exhausted: ``undeliverable``, nothing sent).
    Refused for good, it moves to the next channel that can carry it, unless the task names its channel;
    none left: ``undeliverable``, logged with the reasons only. A transient error releases the lease and
    propagates until ``GIVE_UP_AFTER`` past ``created_at``, then counts as a refusal."""

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
                    task, NotificationStatus.SENT, channel=channel.name, **{_sent_id(channel.name): found}
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
                    self._release(task, nothing_sent=isinstance(exc, NothingSent))
                    raise
                refused[channel.name] = f"{exc.reason} (still failing {overdue} after the first attempt)"
            except (PermanentError, NotFound, Unauthenticated) as exc:
                refused[channel.name] = exc.reason
            else:
                detail = {_sent_id(channel.name): sent, "reason": why}  # why not the first channel, if so
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
        move = Move(channel.name, reason, until, channel.destination(tenant))
        self._records.move(task.tenant_id, task.notification_id, move, moved)

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

    def _release(self, task: NotifyTask, *, nothing_sent: bool = False) -> None:
        """End this attempt's lease. When its channel certainly received nothing (``NothingSent``),
        the record names no channel, so the retry sends without looking first."""
        now = self._clock()
        if nothing_sent:
            self._records.move(task.tenant_id, task.notification_id, Move("", "", now), now)
        else:
            self._records.release(task.tenant_id, task.notification_id, now)

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
        self._records.finish(task.tenant_id, task.notification_id, Outcome(status, **detail), self._clock())


def _sent_id(name: str) -> SentId:
    """The record's key of the id of what channel ``name`` sent (its row of the channel table)."""
    from shared.notify.services.channel_table import channel

    row = channel(name)
    return row.sent_id if row is not None else "message_id"
