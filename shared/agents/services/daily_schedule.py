"""Daily planning (Cloud Scheduler → ``POST /schedule`` on plan, every hour). The tick enqueues one day-plan
task (and one digest task, if wanted) per active tenant whose local planning hour it is, and one plan task
per agent routine whose slot it is (``Tenant.agent_schedules``, decision 0081).

A call streams its span of active tenants from one query and creates their tasks a page at a time while a
thread reads the next pages; the first call catches up missed ticks (``CATCH_UP`` back). Tasks are named
from (tenant, local date) and (tick, cursor), so repeats enqueue nothing twice. Why:
docs/decisions/0016-daily-planning-by-scan.md, 0103-the-tick-streams-its-tenants.md."""

import logging
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime
from itertools import batched
from typing import NamedTuple, cast

from shared.agents.domain.agents import routine_run_id, slot_of, slot_words
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.domain.digest_task import DigestTask
from shared.agents.domain.schedule_task import CATCH_UP, ScheduleTask
from shared.platform.domain.index_task import ReconcileTask, reconcile_task_name
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import NotFound
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from shared.workspace.domain.daily import HOUR, planning_day, tick_of, zone_of
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import Schedule

log = logging.getLogger(__name__)
ENQUEUE_AT_ONCE = 16  # a page's task creations in flight at once (each a round trip to Cloud Tasks)
READ_AHEAD = 2  # pages of tenants a call's reader thread holds ready while tasks are created
# What the tick reads of a tenant, and all Firestore sends of one (a projection: decoding a whole
# tenant costs several times more; decision 0103). Tenant's required fields, then those read here.
TICK_FIELDS = (
    *("tenant_id", "workspace_id", "token_secret", "created_at", "updated_at", "status"),
    *("home.tasks", "agent_schedules", "settings.timezone", "settings.planning_hour", "settings.digest"),
    *("settings.daily_plan", "settings.daily_plan_sources", "settings.data_source_ids", "settings.page_ids"),
)


class Fanout(NamedTuple):
    """What one call did: the tick, tenants read, tasks created, the next page's cursor, and the
    first tick planned for (``tick`` unless missed ticks were caught up)."""

    tick: datetime
    read: int
    enqueued: int
    next_after: str | None
    since: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "tick": self.tick.isoformat(),
            "since": self.since.isoformat(),
            "read": self.read,
            "enqueued": self.enqueued,
            "next_after": self.next_after,
        }


def plan_due_tenants(task: ScheduleTask, deps: Deps) -> Fanout:
    """Plan the tick's due tenants from ``task.after`` on. Up to ``schedule_call_tenants`` of them are read
    in one streamed query; their tasks are created a page (``schedule_page_size``) at a time,
    ``ENQUEUE_AT_ONCE`` at once, while the next page is read and its tasks worked out. A call that reads its
    whole span enqueues the continuation for the rest before its last page's tasks. Every task is named, so
    a retried call or a redelivered continuation creates nothing twice."""
    if deps.tenants is None:
        raise RuntimeError("this function was built without the tenant store")
    tick = tick_of(task.tick or deps.clock())
    first_page = task.after is None
    if task.since is not None:
        since = tick_of(task.since)
    else:
        since = _missed_since(deps.tenants.last_tick(), tick) if first_page else tick
    size, span = deps.settings.schedule_page_size, deps.settings.schedule_call_tenants
    ticks = [since + HOUR * i for i in range((tick - since) // HOUR + 1)]
    read, enqueued, next_after = 0, 0, None
    with ThreadPoolExecutor(max_workers=ENQUEUE_AT_ONCE) as pool:
        creating: list[Future[bool]] = []  # the page before's task creations, still under way
        tenants = deps.tenants.stream_active(task.after, span, TICK_FIELDS)
        for page in _read_ahead(batched(tenants, size, strict=False), READ_AHEAD):
            read += len(page)
            if read >= span:  # the span's last page: the rest goes on in its own call from now
                next_after = page[-1].tenant_id
                more = ScheduleTask(tick=tick, after=next_after, since=since)
                deps.queue.enqueue(Queue.PLAN, more, f"schedule:{tick:%Y%m%d%H}:{next_after}")
            due = _page_due(deps, page, ticks)
            enqueued += sum(done.result() for done in creating)  # one page's creations at a time
            creating = [pool.submit(deps.queue.enqueue, Queue.PLAN, *job) for job in due]
        enqueued += sum(done.result() for done in creating)
    if first_page:  # the rest is in the continuation's task: this tick is under way
        deps.tenants.record_tick(tick)
    log.info(
        "daily planning: %d plan tasks for %d tenants",
        enqueued,
        read,
        extra={"fields": {"tick": str(tick), "since": str(since)}},
    )
    return Fanout(tick, read, enqueued, next_after, since)


def _page_due(deps: Deps, page: Sequence[Tenant], ticks: list[datetime]) -> list[tuple[TaskBody, str]]:
    """The tasks (and names) of a page's tenants due at ``ticks``: their days', then their routines'."""
    due = [job for tenant in page for job in _due(tenant, ticks, index=deps.settings.workspace_index)]
    return due + [job for tenant in page for job in _routines_due(deps, tenant, ticks)]


def _read_ahead[T](items: Iterator[T], ahead: int) -> Iterator[T]:
    """``items``, taken by a thread of their own up to ``ahead`` before they are asked for, so the
    stream of tenants keeps arriving while the caller waits on a page's task creations. What taking
    them raises (a TransientError) is raised here, in order; closing this generator stops the thread
    (at its next item) and waits for it."""
    ready: queue.Queue[tuple[bool, T | Exception | None]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(done: bool, value: T | Exception | None) -> bool:
        while not stop.is_set():
            with suppress(queue.Full):
                ready.put((done, value), timeout=0.1)
                return True
        return False

    def take() -> None:
        try:
            for item in items:
                if not put(False, item):
                    return
            put(True, None)
        except Exception as exc:  # raised again in the caller's thread
            put(True, exc)

    reader = threading.Thread(target=take, name="schedule-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            done, value = ready.get()
            if isinstance(value, Exception):
                raise value
            if done:
                return
            yield cast(T, value)
    finally:
        stop.set()
        reader.join()


def _missed_since(last: datetime | None, tick: datetime) -> datetime:
    """The first tick to plan for now: ``tick``, or the first after ``last`` if ticks were missed since
    (the plan function or Firestore down at the top of an hour), going back at most CATCH_UP."""
    if last is None or last + HOUR >= tick:
        return tick
    since = max(tick_of(last) + HOUR, tick - CATCH_UP)
    log.warning("daily planning: catching up the ticks since %s, missed", since.isoformat())
    return since


def _routines_due(deps: Deps, tenant: Tenant, ticks: list[datetime]) -> list[tuple[TaskBody, str]]:
    """The plan tasks of the tenant's routines due at ``ticks``: one per agent's schedule and local
    slot, named from the slot (:func:`~shared.agents.domain.agents.routine_run_id`). However many sweeps find
    a slot due, they name one run, which Firestore creates once (a create-if-absent). The schedules are
    the tenant's copy (``Tenant.agent_schedules``): no read, unless it was stored before the copy."""
    schedules = tenant.agent_schedules
    if schedules is None:
        schedules = _copy_schedules(deps, tenant)
    zone = zone_of(tenant.settings.timezone) or UTC
    due: dict[str, TaskBody] = {}
    for agent_id, kept in schedules.items():
        for index, schedule in enumerate(kept):
            for tick in ticks:
                slot = slot_of(schedule, tick, zone)
                if slot is None:
                    continue
                run_id = routine_run_id(agent_id, index, slot)
                # the routine the owner (or an admin) set: the owner's reach, bounded by its agent's
                trigger = Trigger(kind="schedule", by_owner=True, slot=slot_words(schedule, slot, zone))
                due[run_id] = PlanTask(
                    tenant_id=tenant.tenant_id, run_id=run_id, trigger=trigger, agent_id=agent_id
                )
    return [(task, f"plan:{tenant.tenant_id}:{run_id}") for run_id, task in due.items()]


def _copy_schedules(deps: Deps, tenant: Tenant) -> dict[str, tuple[Schedule, ...]]:
    """A tenant stored before ``agent_schedules``: its agents read once (one query) and their
    schedules stored in its document, which the next ticks read instead (decision 0081)."""
    from shared.agents.services.agents import sync_agents  # the tools' registry loads only on this path

    store = deps.agents()
    if store is None or deps.tenants is None:
        return {}
    try:
        synced = sync_agents(tenant.tenant_id, deps.tenants, store)
    except NotFound:  # disconnected and gone since the page was read
        return {}
    log.info("daily planning: the agents' schedules copied", extra={"fields": {"tenant": tenant.tenant_id}})
    return synced.agent_schedules or {}


def _due(tenant: Tenant, ticks: list[datetime], *, index: bool = False) -> list[tuple[TaskBody, str]]:
    """The tasks (and their names) of the tenant's days that are due at ``ticks`` (one, usually); with
    ``index``, the day's reconcile of its workspace index first (docs/memory.md)."""
    settings = tenant.settings
    zone = zone_of(settings.timezone)
    if zone is None:
        log.warning(
            "invalid time zone %r: planning in UTC",
            settings.timezone,
            extra={"fields": {"tenant": tenant.tenant_id}},
        )
    days = [d for d in (planning_day(t, zone or UTC, settings.planning_hour) for t in ticks) if d is not None]
    due: list[tuple[TaskBody, str]] = []
    for day in dict.fromkeys(days):  # a fall-back hour is due twice: one task
        if index and (settings.page_ids or settings.data_source_ids):
            due.append(
                (
                    reconcile := ReconcileTask(tenant_id=tenant.tenant_id, day=day),
                    reconcile_task_name(reconcile),
                )
            )
        if settings.digest:
            due.append(
                (DigestTask(tenant_id=tenant.tenant_id, day=day), f"digest:{tenant.tenant_id}:{day:%Y%m%d}")
            )
        if not tenant.plan_sources():
            log.info("no daily plan: off, or no task source", extra={"fields": {"tenant": tenant.tenant_id}})
            continue
        plan = DayPlanTask(tenant_id=tenant.tenant_id, day=day)
        due.append((plan, f"day-plan:{tenant.tenant_id}:{day:%Y%m%d}"))
    return due
