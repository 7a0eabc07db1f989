"""Deliver a notification at most once per notification id, and never in the tenant's quiet hours
unless it is urgent; list a tenant's notification records (``GET /notifications`` on api).

In quiet hours a ``normal`` notification is enqueued again for the window's end, named from its id,
``after-quiet`` and that end. ``urgent`` ones (a run waiting for a decision or an answer) go at once.
Why: docs/notifications.md, "Quiet hours and urgency".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.notify.domain.notifications import asks_links, console_run_url, decision_request, quiet_until
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import InvalidInput, NothingSent
from shared.platform.topology import Queue
from shared.workspace.domain.daily import zone_of
from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:
    from shared.notify.ports import NotificationLog, Notifier
    from shared.platform.ports import TaskQueue
    from shared.workspace.ports import TenantStore

log = logging.getLogger(__name__)

MAX_PAGE = 100


class Delivery(NamedTuple):
    delivered: bool
    deferred_until: datetime | None = None


def deliver_notification(
    task: NotifyTask,
    notifier: Notifier,
    tenants: TenantStore,
    queue: TaskQueue,
    now: datetime | None = None,
    *,
    console: str = "",
) -> Delivery:
    """Deliver ``task`` now, or put it back for its quiet hours' end or its pace. A decision's text
    links the run's page in the console at ``console`` (the frontend URL), added as it is sent: the
    queued body and its record hold no link."""
    now = now or datetime.now(UTC)
    # Read fresh when notify mints links for it: they carry its session_epoch, which a disconnect changes.
    tenant = tenants.get(task.tenant_id, fresh=asks_links(task))
    started = task.run_started_at
    if tenant is not None and started is not None and not tenant.owns(started):
        # The earlier owner's run: its news is not the new owner's to read, and no record of it is
        # kept among theirs (GET /notifications would list its subject).
        log.info("notification %s dropped: its run is the workspace's earlier owner's", task.notification_id)
        return Delivery(False)
    until = _quiet_until(task, tenant, now)
    if until is not None:
        name = f"notify:{task.tenant_id}:{task.notification_id}:after-quiet:{until:%Y%m%dT%H%M}"
        queue.enqueue(Queue.NOTIFY, task, name, delay_s=(until - now).total_seconds())
        log.info("notification %s deferred to %s (quiet hours)", task.notification_id, until.isoformat())
        return Delivery(False, until)
    sent = task
    if console:  # where a comment's signature links (the run's page), and a decision is made
        decides = decision_request(task) is not None
        run_page = {"console_url": console_run_url(console, task.run_id)} if task.run_id and decides else {}
        sent = task.model_copy(update={"data": task.data | {"console": console} | run_page})
    try:
        delivered = notifier.deliver(sent, tenant)
    except NothingSent as exc:  # not sent for the connection's pace (or a limit): again at its turn
        if not exc.retry_after_s:
            raise
        at = now + timedelta(seconds=exc.retry_after_s)
        queue.enqueue(
            Queue.NOTIFY,
            task,
            f"notify:{task.tenant_id}:{task.notification_id}:paced:{at:%Y%m%dT%H%M%S%f}",
            delay_s=exc.retry_after_s,
        )
        return Delivery(False, at)
    log.info("notification %s %s", task.notification_id, "delivered" if delivered else "not delivered now")
    return Delivery(delivered)


def _quiet_until(task: NotifyTask, tenant: Tenant | None, now: datetime) -> datetime | None:
    if task.priority == "urgent":
        return None
    if tenant is None or tenant.settings.quiet_hours is None:
        return None
    zone = zone_of(tenant.settings.timezone)
    if zone is None:
        log.warning("tenant %s has an unknown time zone; its quiet hours are taken in UTC", task.tenant_id)
    return quiet_until(now, tenant.settings.quiet_hours, zone or UTC)


def recent_notifications(
    tenant_id: str, records: NotificationLog, tenants: TenantStore, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """The current owner's notifications (not an earlier owner's: ``Tenant.owner_since``), newest
    first, at most ``MAX_PAGE``, from after ``cursor`` (the last page's ``next_cursor``: its last
    record's id; None when no page follows). A cursor naming no record is InvalidInput."""
    tenant = tenants.get(tenant_id)
    since = tenant.owner_since if tenant is not None else None
    size = max(1, min(limit, MAX_PAGE))
    found = records.recent(tenant_id, size + 1, since, cursor)
    if found is None:
        raise InvalidInput(
            "cursor: not one this api gave, or its page expired: start again from the first page", ["cursor"]
        )
    page = found[:size]
    return {
        "notifications": [r.listing() for r in page],
        "next_cursor": page[-1].notification_id if len(found) > size else None,
    }
