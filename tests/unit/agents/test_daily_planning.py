"""Daily planning over fakes: who is due at a tick, paging with continuations, idempotency, the day's
plan sent as a notification when the workspace has no Daily plans database; and ``POST /schedule``
and ``POST /day-plan`` on plan."""

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.daily_schedule import ENQUEUE_AT_ONCE, TICK_FIELDS, Fanout, plan_due_tenants
from shared.agents.services.day_plan_page import write_day_plan
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import TransientError
from shared.platform.topology import Queue
from shared.runs.services.deps import Deps
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from shared.workspace.domain.daily import planning_day, tick_of, zone_of
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus
from shared.workspace.domain.triggers import Schedule
from tests.support.agents.daily_planning import WINTER_7_UTC, deps_with, plan_tasks, queued, tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.fake_container import FakeContainer, client, fakes, json_body
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.workspace.workspace_fakes import FakeTenantStore

__all__ = ["fakes"]  # the fixture of fakes the entry points answer from


def test_a_tenant_is_due_when_its_local_planning_hour_is_the_hour_of_the_tick() -> None:
    deps = deps_with(
        tenant("t-paris", "Europe/Paris", 8),
        tenant("t-utc-8", "UTC", 8),
        tenant("t-utc-7", "UTC", 7),
        tenant("t-la-8", "America/Los_Angeles", 8),
        tenant("t-la-23", "America/Los_Angeles", 23),
    )
    fanout = plan_due_tenants(ScheduleTask(), deps)
    assert fanout == Fanout(WINTER_7_UTC, read=5, enqueued=3, next_after=None, since=WINTER_7_UTC)
    tasks = plan_tasks(deps)
    assert sorted(tasks) == ["t-la-23", "t-paris", "t-utc-7"]
    assert tasks["t-paris"].day == date(2026, 1, 5) and tasks["t-la-23"].day == date(2026, 1, 4)
    names = {name for _, _, name, _ in queued(deps).tasks}
    assert "day-plan:t-paris:20260105" in names
    at_16 = deps_with(tenant("t-la-8", "America/Los_Angeles", 8), now=datetime(2026, 1, 5, 16, tzinfo=UTC))
    assert list(plan_tasks_after(at_16)) == ["t-la-8"]


def plan_tasks_after(deps: Deps) -> dict[str, DayPlanTask]:
    plan_due_tenants(ScheduleTask(), deps)
    return plan_tasks(deps)


def test_only_active_tenants_with_a_task_source_and_the_plan_on_are_planned() -> None:
    deps = deps_with(
        tenant("t-active"),
        tenant("t-revoked", status=TenantStatus.REVOKED),
        tenant("t-reconnect", status=TenantStatus.NEEDS_RECONNECT),
        tenant("t-no-source", settings=TenantSettings(planning_hour=7)),
        now=datetime(2026, 1, 5, 8, tzinfo=UTC),
    )
    fanout = plan_due_tenants(ScheduleTask(), deps)
    assert list(plan_tasks(deps)) == ["t-active"] and fanout.read == 2  # t-no-source is at 7, not due
    deps = deps_with(tenant("t-no-source", settings=TenantSettings(planning_hour=7)))
    assert plan_due_tenants(ScheduleTask(), deps).enqueued == 0 and not queued(deps).tasks
    off = TenantSettings(planning_hour=7, data_source_ids=["ds-tasks"], daily_plan=False)
    deps = deps_with(tenant("t-off", settings=off))
    assert plan_due_tenants(ScheduleTask(), deps).enqueued == 0 and not queued(deps).tasks


def test_a_repeated_call_in_the_same_hour_or_a_retry_creates_no_second_task_nor_run() -> None:
    deps = deps_with(tenant("t1", "Europe/Paris", 8))
    assert plan_due_tenants(ScheduleTask(), deps).enqueued == 1
    later = deps._replace(clock=lambda: WINTER_7_UTC + timedelta(minutes=20))
    assert plan_due_tenants(ScheduleTask(), later).enqueued == 0  # a scheduler retry, same tick
    early = deps._replace(clock=lambda: WINTER_7_UTC - timedelta(seconds=2))
    assert plan_due_tenants(ScheduleTask(), early).enqueued == 0  # a little early: still that tick
    assert len(queued(deps).tasks) == 1


def test_tenants_are_paged_and_the_rest_continues_in_tasks_that_keep_the_tick() -> None:
    tenants = [tenant(f"t{i:02d}", "UTC", 7 if i % 2 else 9) for i in range(8)]
    deps = deps_with(*tenants, schedule_call_tenants=3, schedule_page_size=2)
    first = plan_due_tenants(ScheduleTask(), deps)
    assert (first.read, first.next_after) == (3, "t02")
    late = deps._replace(clock=lambda: WINTER_7_UTC + timedelta(hours=2))  # a slow queue
    pages = [first]
    while continuations := [b for _, b, _, _ in queued(late).tasks if isinstance(b, ScheduleTask)]:
        queued(late).tasks = [t for t in queued(late).tasks if not isinstance(t[1], ScheduleTask)]
        assert continuations[0].tick == WINTER_7_UTC
        pages.append(plan_due_tenants(continuations[0], late))
        pages.append(plan_due_tenants(continuations[0], late))  # a redelivered continuation
    assert [p.read for p in pages] == [3, 3, 3, 2, 2]
    assert sorted(plan_tasks(deps)) == ["t01", "t03", "t05", "t07"]
    assert sum(p.enqueued for p in pages) == 4
    names = [name for _, _, name, _ in queued(deps).tasks]
    assert len(names) == len(set(names))


class StreamedTenants(FakeTenantStore):
    """The fake store, its queries counted and each tenant's arrival told (``arrived``)."""

    def __init__(self, *tenants: Tenant) -> None:
        super().__init__()
        for t in tenants:
            self.save(t)
        self.queries, self.arrived = 0, list[threading.Event]()

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        self.queries += 1
        for i, found in enumerate(super().stream_active(after, limit, fields)):
            self.arrived[i].set()
            yield found


class SlowQueue(FakeQueue):
    """A queue whose creations of the first page wait (up to 5 s) for the second page to be read."""

    def __init__(self, store: StreamedTenants, page: int) -> None:
        super().__init__()
        self.store, self.page, self.lock = store, page, threading.Lock()
        self.running, self.most, self.order, self.overlapped = 0, 0, list[tuple[str, str]](), True

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        with self.lock:
            self.running, self.order = self.running + 1, [*self.order, ("start", task_id)]
            self.most = max(self.most, self.running)
        if _index(task_id) < self.page:
            self.overlapped &= self.store.arrived[self.page].wait(5)
        created = super().enqueue(queue, body, task_id, delay_s)
        with self.lock:
            self.running, self.order = self.running - 1, [*self.order, ("end", task_id)]
        return created


def _index(task_id: str) -> int:
    """The tenant's number in a day-plan task's name: ``day-plan:t007:<day>`` → 7."""
    return int(task_id.split(":")[1][1:])


def test_a_call_reads_one_query_and_the_next_page_while_a_page_s_tasks_are_created() -> None:
    store = StreamedTenants(*(tenant(f"t{i:03d}", "UTC", 7) for i in range(3 * ENQUEUE_AT_ONCE)))
    store.arrived = [threading.Event() for _ in range(3 * ENQUEUE_AT_ONCE)]
    queue = SlowQueue(store, 2 * ENQUEUE_AT_ONCE)
    deps = deps_with(schedule_page_size=2 * ENQUEUE_AT_ONCE)._replace(tenants=store, queue=queue)
    fanout, every = plan_due_tenants(ScheduleTask(), deps), 3 * ENQUEUE_AT_ONCE
    assert (fanout.read, fanout.enqueued, fanout.next_after) == (every, every, None)
    assert store.queries == 1 and queue.overlapped  # the second page came while the first was created
    assert queue.most <= ENQUEUE_AT_ONCE  # never more at once than the floor creates
    second = next(i for i, (what, name) in enumerate(queue.order) if what == "start" and _index(name) >= 32)
    ended_first = [e for e in queue.order[:second] if e[0] == "end"]
    assert len(ended_first) == 2 * ENQUEUE_AT_ONCE  # a page's creations start once the page before's ended


class WholeTenants(FakeTenantStore):
    """The fake store, whatever fields are asked: whole tenants."""

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        return super().stream_active(after, limit)


def test_the_tick_reads_its_fields_alone_and_plans_as_from_whole_tenants() -> None:
    home = AgentHome(tasks=HomeDatabase(database_id="db", data_source_id="ds-home"))
    kinds = [
        tenant(
            "t-digest",
            "Europe/Paris",
            8,
            settings=TenantSettings(
                timezone="Europe/Paris",
                planning_hour=8,
                digest=True,
                data_source_ids=["ds-a"],
                notification_email="o@example.com",
            ),
        ),
        tenant("t-indexed", settings=TenantSettings(planning_hour=7, page_ids=["p-1"])),
        tenant(
            "t-gone",
            settings=TenantSettings(planning_hour=7, data_source_ids=["a"], daily_plan_sources=["x"]),
        ),
        tenant("t-home", settings=TenantSettings(planning_hour=7, daily_plan_sources=["ds-home"]), home=home),
        tenant(
            "t-off",
            settings=TenantSettings(planning_hour=7, data_source_ids=["ds-a"], daily_plan=False, digest=True),
        ),
        tenant("t-routine", "UTC", 3, agent_schedules={"a1": (Schedule(every="daily", hour=7),)}),
        tenant("t-legacy", "UTC", 7),  # no agent_schedules: its agents are read once
    ]
    planned = []
    for store in (FakeTenantStore(), WholeTenants()):
        for t in kinds:
            store.save(t)
        deps = deps_with(workspace_index=True)._replace(tenants=store)
        plan_due_tenants(ScheduleTask(), deps)
        planned.append(sorted((name, body.model_dump_json()) for _, body, name, _ in queued(deps).tasks))
    assert planned[0] == planned[1] and len(planned[0]) >= 7, planned[0]
    read = next(FakeTenantStore.stream_active(store, None, 10, TICK_FIELDS))
    assert (
        read.settings.digest and not read.settings.notification_email
    )  # what the tick never reads: not sent


class BrokenStream(FakeTenantStore):
    """A stream of tenants that fails after ``good`` of them (Firestore gone for longer than the
    client's resumptions)."""

    def __init__(self, good: int, *tenants: Tenant) -> None:
        super().__init__()
        for t in tenants:
            self.save(t)
        self.good = good

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        yield from list(super().stream_active(after, limit, fields))[: self.good]
        raise TransientError("firestore: ServiceUnavailable")


def test_a_stream_that_fails_fails_the_call_which_its_retry_completes_once() -> None:
    tenants = [tenant(f"t{i}", "UTC", 7) for i in range(7)]
    threads = threading.active_count()
    deps = deps_with(schedule_page_size=2)._replace(tenants=BrokenStream(5, *tenants))
    with pytest.raises(TransientError):
        plan_due_tenants(ScheduleTask(), deps)
    assert threading.active_count() == threads  # the reader stopped with the call
    assert sorted(plan_tasks(deps)) == ["t0", "t1", "t2", "t3"]  # the pages before the failure
    store = FakeTenantStore()
    for t in tenants:
        store.save(t)
    again = plan_due_tenants(ScheduleTask(), deps._replace(tenants=store))  # the queue's retry
    assert again.enqueued == 3 and sorted(plan_tasks(deps)) == [f"t{i}" for i in range(7)]


def test_an_invalid_time_zone_plans_in_utc_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    deps = deps_with(tenant("t-bad", "Mars/Olympus_Mons", 7), tenant("t-evil", "../../etc/passwd", 9))
    with caplog.at_level(logging.WARNING):
        assert plan_due_tenants(ScheduleTask(), deps).enqueued == 1
    assert list(plan_tasks(deps)) == ["t-bad"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Mars/Olympus_Mons" in w for w in warnings) and any("etc/passwd" in w for w in warnings)


def test_the_tick_is_the_nearest_hour_and_dst_gaps_and_repeats_plan_once_a_day() -> None:
    assert tick_of(datetime(2026, 1, 5, 7, 59, 58, tzinfo=UTC)) == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert tick_of(datetime(2026, 1, 5, 8, 20, tzinfo=UTC)) == datetime(2026, 1, 5, 8, tzinfo=UTC)
    paris = zone_of("Europe/Paris")
    assert paris is not None and zone_of("Nowhere/Special") is None
    spring = [datetime(2026, 3, 29, h, tzinfo=UTC) for h in range(24)]  # 02:00 local does not exist
    assert [t.hour for t in spring if planning_day(t, paris, 2)] == [1]  # planned at 03:00 CEST
    assert [t.hour for t in spring if planning_day(t, paris, 8)] == [6]
    autumn = [datetime(2026, 10, 25, h, tzinfo=UTC) for h in range(24)]  # 02:00 local happens twice
    assert {planning_day(t, paris, 2) for t in autumn} == {None, date(2026, 10, 25)}
    kolkata = zone_of("Asia/Kolkata")  # UTC+05:30: each local hour still meets exactly one tick
    assert kolkata is not None
    assert [t.hour for t in spring if planning_day(t, kolkata, 8)] == [3]


def test_without_a_daily_plans_database_the_plan_is_sent_once_as_a_notification() -> None:
    notion = FakeNotion()
    notion.sources["ds-tasks"] = {
        "properties": {
            "Name": {"name": "Name", "type": "title"},
            "Status": {"name": "Status", "type": "select", "select": {"options": [{"name": "In progress"}]}},
        }
    }
    notion.add_page("Call the bank", {"data_source_id": "ds-tasks"}, Status="In progress")
    owner = tenant("t1", "Europe/Paris", 8)
    deps = deps_with(owner)._replace(notion_for=make_deps(notion=notion).notion_for)
    task = DayPlanTask(tenant_id="t1", day=date(2026, 1, 5))
    assert write_day_plan(task, deps) == "notified"
    assert write_day_plan(task, deps) == "notified"  # delivered twice: the same notification id
    notes = [(b, name) for _, b, name, _ in queued(deps).tasks if isinstance(b, NotifyTask)]
    assert len({name for _, name in notes}) == 1
    note = notes[0][0]
    assert note.subject == "Plan for 2026-01-05" and "## In progress" in note.text
    assert "Call the bank" in note.text.split("## In progress")[1]
    assert notion.writes["create_page"] == 0


def test_post_schedule_on_plan_fans_out_and_plan_tasks_still_go_to_the_root(fakes: FakeContainer) -> None:
    fakes.tenants.save(tenant("t-paris", "Europe/Paris", 8))
    fakes.tenants.save(tenant("t-tokyo", "Asia/Tokyo", 8))
    app = client("plan", fakes)
    response = app.post("/schedule", json={"tick": "2026-01-05T07:00:00Z"})
    assert response.status_code == 200 and response.json == {
        "tick": "2026-01-05T07:00:00+00:00",
        "since": "2026-01-05T07:00:00+00:00",
        "read": 2,
        "enqueued": 1,
        "next_after": None,
    }
    ((queue, task, name, _),) = fakes.queue.tasks
    assert queue == Queue.PLAN and name == "day-plan:t-paris:20260105" and isinstance(task, DayPlanTask)
    assert json_body(app.post("/schedule", json={}))["read"] == 2  # what Cloud Scheduler sends: now
    assert app.post("/schedule").status_code == 200  # no body at all: the same
    assert "dead_letter" in json_body(app.post("/schedule", json={"after": "bad/id"}))
    assert "dead_letter" in json_body(
        app.post("/schedule", json={"tick": "2026-01-05T07:00:00"})
    )  # naive time
    assert app.get("/schedule").status_code == 405
    fakes.queue.tasks.clear()
    fakes.secrets.put("notion-token-t-paris", '{"access_token": "tok"}')
    response = app.post(DayPlanTask.ROUTE, json=task.model_dump(mode="json"))
    assert response.status_code == 200 and response.json == {"page": "notified"}  # no Daily plans yet
    assert "dead_letter" in json_body(app.post(DayPlanTask.ROUTE, json={"tenant_id": "t-paris"}))


@pytest.mark.parametrize(
    "zone",
    ["Africa/Cairo", "America/Havana", "America/Santiago", "Asia/Beirut", "Atlantic/Azores", "America/Nuuk",
     "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"],
)  # fmt: skip
def test_every_local_day_is_planned_also_at_the_hours_dst_gaps_swallow(zone: str) -> None:
    """Hourly ticks through 2025: each local day of the year is planned, at each hour around which
    these zones' DST gaps fall, also when a gap swallows that hour, midnight included (Cairo, Havana,
    Nuuk, ...)."""
    tz = ZoneInfo(zone)
    start = datetime(2025, 1, 2, tzinfo=UTC)
    ticks = [start + timedelta(hours=h) for h in range(363 * 24)]
    for hour in (0, 1, 2, 3, 22, 23):
        days = [d for t in ticks if (d := planning_day(t, tz, hour)) is not None]
        first, last = days[0], days[-1]
        assert sorted(set(days)) == [first + timedelta(days=n) for n in range((last - first).days + 1)]
        assert (last - first).days >= 360
