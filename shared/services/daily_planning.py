"""Daily planning (Cloud Scheduler → ``POST /schedule`` on plan, every hour): one plan task per
active tenant whose local planning hour is the hour of the tick (``shared/domain/daily.py``).

One call reads one page of active tenants (``schedule_page_size``, in tenant-id order) and, when the
page is full, first enqueues the next page as a ``ScheduleTask`` on the plan queue carrying the same
tick, so the chain is not queued behind the plan tasks it creates and a late page plans the tenants
of its own tick. Firestore reads and enqueues per call are bounded by the page size.

Idempotent at two levels: a plan task and a continuation are named from (tenant, local date) and
(tick, cursor), so a repeated or retried call creates no second task while the queue remembers the
name; and the run id is ``daily-<YYYYMMDD>``, so a plan task that does get through again finds the
run and plans nothing (``start_run``).
"""

import logging
from datetime import UTC, date, datetime
from typing import NamedTuple

from shared.config import Queue
from shared.domain.daily import daily_run_id, planning_day, tick_of, zone_of
from shared.domain.tasks import PlanTask, ScheduleTask, Trigger
from shared.domain.tenants import Tenant
from shared.services.deps import Deps

log = logging.getLogger(__name__)


class Fanout(NamedTuple):
    """What one call did: the tick, tenants read, plan tasks created, and the next page's cursor."""

    tick: datetime
    read: int
    enqueued: int
    next_after: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "tick": self.tick.isoformat(),
            "read": self.read,
            "enqueued": self.enqueued,
            "next_after": self.next_after,
        }


def plan_due_tenants(task: ScheduleTask, deps: Deps) -> Fanout:
    if deps.tenants is None:
        raise RuntimeError("this function was built without the tenant store")
    tick = tick_of(task.tick or deps.clock())
    size = deps.settings.schedule_page_size
    page = deps.tenants.active_page(task.after, size)
    next_after = page[-1].tenant_id if len(page) == size else None
    if next_after is not None:
        more = ScheduleTask(tick=tick, after=next_after)
        deps.queue.enqueue(Queue.PLAN, more, f"schedule:{tick:%Y%m%d%H}:{next_after}")
    enqueued = sum(_enqueue_if_due(deps, tenant, tick) for tenant in page)
    log.info(
        "daily planning: %d of %d tenants enqueued",
        enqueued,
        len(page),
        extra={"fields": {"tick": str(tick)}},
    )
    return Fanout(tick, len(page), enqueued, next_after)


def _enqueue_if_due(deps: Deps, tenant: Tenant, tick: datetime) -> bool:
    settings = tenant.settings
    zone = zone_of(settings.timezone)
    if zone is None:
        log.warning(
            "invalid time zone %r: planning in UTC",
            settings.timezone,
            extra={"fields": {"tenant": tenant.tenant_id}},
        )
    day = planning_day(tick, zone or UTC, settings.planning_hour)
    if day is None:
        return False
    if not settings.data_source_ids:
        log.info("no data source chosen: no daily plan", extra={"fields": {"tenant": tenant.tenant_id}})
        return False
    task = daily_plan_task(tenant, day)
    return deps.queue.enqueue(Queue.PLAN, task, f"plan:{tenant.tenant_id}:{task.run_id}")


def daily_plan_task(tenant: Tenant, day: date) -> PlanTask:
    """The day's run reads the tenant's first chosen data source (its tasks) and sends a plan."""
    source = tenant.settings.data_source_ids[0]
    goal = (
        f"Plan my day ({day.isoformat()}): read the open tasks in the data source {source} and send "
        "me a short, prioritised plan for today."
    )
    trigger = Trigger(kind="schedule", data_source_id=source)
    return PlanTask(tenant_id=tenant.tenant_id, run_id=daily_run_id(day), goal=goal, trigger=trigger)
