"""Daily planning's fan-out at scale (``make bench-daily``): ``--tenants`` active tenants (10,000)
whose planning hour is the tick's, each with ``--routines`` agents (0) of one daily schedule, their
hours spread over the day (a 24th of them due at the tick), on the Firestore and Cloud Tasks emulators.

The fan-out: the chain of ``POST /schedule`` calls run as the queue would deliver it (each call's
continuation in turn, with the real adapters behind ``plan_due_tenants``), timed from the first call to
the last (a call streams ``NA_SCHEDULE_CALL_TENANTS`` tenants' fields from one query, read ahead,
and creates their tasks ``--page-size`` tenants a page: the setting's default unless given;
decision 0103). Its floor: the same
tasks (a day plan per tenant, a plan task per routine due), named, put through the same Cloud Tasks client and emulator a page at a time with the same concurrency
(``ENQUEUE_AT_ONCE``), and nothing read. They go in ``--pairs`` pairs (5), a new day each, in turns
(the fan-out first in even pairs, the floor first in odd ones), the queues purged before each; the
ratio is the median of the pairs' ratios with its 95 % interval (``tests/perf/stats.py``). In the
first pair, Firestore's billed reads of the fan-out are counted at the client's API as Firestore bills
them (``tests/perf/billing.py``: a query that returns nothing is a read), the reads of agents apart;
the day-plan tasks are counted again in the emulator's queue, and the same tick run again must
enqueue nothing.

Last line: ``RESULT tenants=<n> fanout_ratio=<m> fanout_ratio_ci=<lo>-<hi> billed_reads_per_tenant=<f>
routines_due_reads=<n> fanout_s=<s> routines=<r> routines_due=<n>`` (goals: every tenant planned
once, nothing twice; ratio <= 1.3; billed reads per tenant <= 1.05). A missed goal exits 1; a ratio
whose interval straddles its goal is inconclusive, printed as such, and not a failure.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.agents.domain.day_plan_task import DayPlanTask
from tests.perf.backends import PROJECT, REGION, Backends
from tests.perf.billing import OPS, TOUCHED, count_billed
from tests.perf.stats import paired_estimate, verdict

GOAL_RATIO = 1.3
GOAL_READS_PER_TENANT = 1.05
# The seeded tenants plan at 03:00 UTC; the bench tenant (tests/perf/backends.py) at 08:00.
TICK = datetime(2026, 11, 23, 3, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _tenant_id(i: int) -> str:
    return f"t-daily-{i:05d}"


def _routine_hour(i: int, j: int) -> int:
    """Routine ``j`` of tenant ``i``: daily, at an hour that spreads the routines over the day."""
    return (TICK.hour + i + j) % 24


def seed(tenants: int, routines: int) -> None:
    """``tenants`` active tenants planning at TICK's hour, each with one chosen data source and
    ``routines`` agents of one daily schedule (copied into the tenant's document, as the agents
    service keeps it; a tree from before the copy ignores it and reads the agents)."""
    from google.cloud import firestore

    from shared.agents.adapters.firestore_agents import _doc as _agent_doc
    from shared.agents.domain.agents import Agent
    from shared.workspace.adapters.firestore_tenants import _route_doc, _tenant_doc
    from shared.workspace.domain.settings import TenantSettings
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.domain.triggers import Schedule

    db, now = firestore.Client(project=PROJECT), datetime.now(UTC)
    settings = TenantSettings(
        planning_hour=TICK.hour, data_source_ids=["da7a5000-0000-4000-8000-00000000d411"]
    )
    for snap in db.collection("tenants").stream():  # the stack's own tenant: its copy, of no routine
        if "agent_schedules" not in (snap.to_dict() or {}):
            snap.reference.update({"agent_schedules": {}})
    batch, pending = db.batch(), 0
    for i in range(tenants):
        tenant = Tenant(
            tenant_id=_tenant_id(i),
            workspace_id=f"w-daily-{i:05d}",
            token_secret=f"notion-token-t-daily-{i:05d}-bench",
            settings=settings,
            created_at=now,
            updated_at=now,
        )
        agents = [
            Agent(
                agent_id=f"r{j}",
                name=f"Routine {j}",
                created_at=now,
                updated_at=now,
                schedules=(Schedule(every="daily", hour=_routine_hour(i, j)),),
            )
            for j in range(routines)
        ]
        doc = _tenant_doc(tenant) | {
            "agent_schedules": {a.agent_id: [s.model_dump(mode="json") for s in a.schedules] for a in agents}
        }
        ref = db.collection("tenants").document(tenant.tenant_id)
        batch.set(ref, doc)
        batch.set(db.collection("workspaces").document(tenant.workspace_id), _route_doc(tenant))
        for agent in agents:
            batch.set(ref.collection("agents").document(agent.agent_id), _agent_doc(agent))
        pending += 2 + len(agents)
        if pending >= 400:
            batch.commit()
            batch, pending = db.batch(), 0
    if pending:
        batch.commit()


class TimedPages:
    """A tenant store whose queries of active tenants are timed (``spent_s``: the time taken to get
    each tenant from them, in the thread that reads them; ``pages``: the queries)."""

    def __init__(self, inner: Any) -> None:
        self._inner, self.spent_s, self.pages = inner, 0.0, 0

    def active_page(self, after: str | None, limit: int) -> Any:
        return list(self.stream_active(after, limit))

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Any]:
        self.pages += 1
        tenants = iter(self._inner.stream_active(after, limit, fields))
        while True:
            start = time.perf_counter()
            try:
                found = next(tenants, None)
            finally:
                self.spent_s += time.perf_counter() - start
            if found is None:
                return
            yield found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Bench:
    """The app's container on the emulators (one Firestore client, its API counted) and the run's
    sizes."""

    def __init__(self, backends: Backends, tenants: int, routines: int, page_size: int | None = None) -> None:
        from shared import bootstrap
        from shared.platform.config import Settings

        self.backends, self.tenants, self.routines = backends, tenants, routines
        container = bootstrap.Container(Settings.from_env(backends.app_env()))
        deps = container.engine(with_model=False)
        self.pages = TimedPages(deps.need_tenants())
        settings = (
            deps.settings.model_copy(update={"schedule_page_size": page_size}) if page_size else deps.settings
        )
        self.deps = deps._replace(tenants=self.pages, settings=settings)
        count_billed(container.instance.firestore())

    def fan_out(self, tick: datetime) -> tuple[int, int, float]:
        """Run the whole chain of ``tick`` once: (plan tasks enqueued, tenants read, seconds)."""
        from shared.agents.domain.schedule_task import ScheduleTask
        from shared.agents.services.daily_schedule import plan_due_tenants

        task, enqueued, read = ScheduleTask(tick=tick), 0, 0
        start = time.perf_counter()
        while True:
            fan = plan_due_tenants(task, self.deps)
            enqueued, read = enqueued + fan.enqueued, read + fan.read
            if fan.next_after is None:
                return enqueued, read, time.perf_counter() - start
            task = ScheduleTask(tick=fan.tick, after=fan.next_after, since=fan.since)

    def floor(self, tick: datetime, name: str) -> tuple[int, float]:
        """The fan-out's tasks of ``tick`` (names prefixed ``name``) created a page at a time, as many
        at once as a page of the fan-out creates, nothing read: (tasks enqueued, seconds)."""
        from shared.agents.domain.agents import routine_run_id
        from shared.agents.services.daily_schedule import ENQUEUE_AT_ONCE
        from shared.platform.topology import Queue
        from shared.runs.domain.plan_task import PlanTask, Trigger

        day, slot = tick.date(), tick.replace(tzinfo=None)
        size = self.deps.settings.schedule_page_size
        pages: list[list[tuple[Any, str]]] = []
        for first in range(0, self.tenants, size):
            jobs: list[tuple[Any, str]] = []
            for i in range(first, min(first + size, self.tenants)):
                tenant_id = _tenant_id(i)
                plan = DayPlanTask(tenant_id=tenant_id, day=day)
                jobs.append((plan, f"{name}:day-plan:{tenant_id}:{day:%Y%m%d}"))
                for j in range(self.routines):
                    if _routine_hour(i, j) == tick.hour:
                        run_id = routine_run_id(f"r{j}", 0, slot)
                        trigger = Trigger(kind="schedule", slot=f"every day at {tick.hour:02}:00")
                        routine = PlanTask(
                            tenant_id=tenant_id, run_id=run_id, trigger=trigger, agent_id=f"r{j}"
                        )
                        jobs.append((routine, f"{name}:plan:{tenant_id}:{run_id}"))
            pages.append(jobs)
        queue, enqueued = self.deps.queue, 0
        start = time.perf_counter()
        for jobs in pages:
            with ThreadPoolExecutor(max_workers=max(1, min(ENQUEUE_AT_ONCE, len(jobs)))) as pool:
                enqueued += sum(pool.map(lambda job: queue.enqueue(Queue.PLAN, *job), jobs))
        return enqueued, time.perf_counter() - start

    def routines_due(self, tick: datetime) -> int:
        return sum(
            1 for i in range(self.tenants) for j in range(self.routines) if _routine_hour(i, j) == tick.hour
        )


def queued_plans(backends: Backends) -> int:
    """The day-plan tasks the emulator holds (continuations of the chain left out)."""
    from google.cloud import tasks_v2

    client = backends._tasks_client
    parent = f"projects/{PROJECT}/locations/{REGION}/queues/plan"
    request = tasks_v2.ListTasksRequest(parent=parent, page_size=1000, response_view=tasks_v2.Task.View.FULL)
    tasks = client.list_tasks(request=request)
    return sum(1 for t in tasks if t.http_request.url.endswith(DayPlanTask.ROUTE))


def measure(bench: Bench, pairs: int) -> dict[str, Any]:
    """``pairs`` pairs of the fan-out and its floor (a new day each); the first pair's counts."""
    ticks, floors, found = list[float](), list[float](), dict[str, Any]()
    for k in range(pairs):
        tick = TICK + timedelta(days=k)
        bench.deps.need_tenants().record_tick(tick - HOUR)  # on time: no missed tick to catch up
        sides = ("fanout", "floor") if k % 2 == 0 else ("floor", "fanout")
        for side in sides:
            bench.backends.purge_queues()
            if side == "floor":
                made, seconds = bench.floor(tick, f"floor-{k}")
                floors.append(seconds)
                found.setdefault("floor_enqueued", made)
                continue
            OPS.clear()
            TOUCHED.clear()
            bench.pages.spent_s, bench.pages.pages = 0.0, 0
            enqueued, read, seconds = bench.fan_out(tick)
            ticks.append(seconds)
            if k == 0:
                found |= {
                    "enqueued": enqueued,
                    "read": read,
                    "reads": OPS["reads"],
                    "pages": bench.pages.pages,
                    "pages_s": bench.pages.spent_s,
                    "writes": OPS["writes"],
                    "agent_reads": sum(1 for op in TOUCHED if "/agents" in op and not op.startswith("write")),
                    "held": queued_plans(bench.backends),
                    "again": bench.fan_out(tick)[0],  # the same tick once more: named tasks, nothing new
                }
        print(
            f"pair {k + 1}/{pairs}: fan-out {ticks[-1]:.1f} s, floor {floors[-1]:.1f} s, "
            f"ratio {ticks[-1] / floors[-1]:.3f}",
            file=sys.stderr,
            flush=True,
        )
    return found | {"ticks": ticks, "floors": floors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Daily planning's fan-out over many tenants.")
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--routines", type=int, default=0, help="agents of one daily schedule per tenant")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument(
        "--page-size", type=int, default=None, help="tenants a page (NA_SCHEDULE_PAGE_SIZE's default)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="daily-") as tmp:
        backends = Backends(Path(tmp))
        try:
            backends.start()
            os.environ["FIRESTORE_EMULATOR_HOST"] = backends.firestore
            seeded = time.perf_counter()
            seed(args.tenants, args.routines)
            print(f"seeded {args.tenants} tenants in {time.perf_counter() - seeded:.1f} s", file=sys.stderr)
            bench = Bench(backends, args.tenants, args.routines, args.page_size)
            found = measure(bench, args.pairs)
            due = bench.routines_due(TICK)
        finally:
            backends.stop()
    ratio = paired_estimate(found["ticks"], found["floors"])
    per_tenant = found["reads"] / max(1, args.tenants)
    expected = args.tenants + due
    print(
        f"tenants read: {found['read']}; plan tasks enqueued: {found['enqueued']} (day plans {args.tenants}, "
        f"routines due {due}); the floor's: {found['floor_enqueued']}; day plans held by the queue: "
        f"{found['held']}; a repeat enqueued {found['again']}"
    )
    print(
        f"Firestore billed reads: {found['reads']} ({found['agent_reads']} of agents); writes: {found['writes']}"
    )
    print(
        f"the first fan-out: {found['pages_s']:.1f} s of {found['ticks'][0]:.1f} taking tenants from its {found['pages']} "
        "queries (in the reader thread, beside the task creations: decision 0103)"
    )
    print("fan-out s:", " ".join(f"{s:.1f}" for s in found["ticks"]))
    print("floor s:  ", " ".join(f"{s:.1f}" for s in found["floors"]))
    planned = (
        found["enqueued"] == expected == found["floor_enqueued"]
        and found["held"] == args.tenants
        and found["again"] == 0
    )
    judged = verdict(ratio, GOAL_RATIO)
    reads_met = per_tenant <= GOAL_READS_PER_TENANT
    print(
        f"goals: every tenant planned once: {'met' if planned else 'not met'}; "
        f"fanout_ratio <= {GOAL_RATIO}: {judged}; "
        f"billed_reads_per_tenant <= {GOAL_READS_PER_TENANT}: {'met' if reads_met else 'not met'}"
    )
    print(
        f"RESULT tenants={args.tenants} {ratio.fields('fanout_ratio')} billed_reads_per_tenant={per_tenant:.3f} "
        f"routines_due_reads={found['agent_reads']} fanout_s={statistics.median(found['ticks']):.3f} "
        f"routines={args.routines} routines_due={due}"
        + (f" page_size={args.page_size}" if args.page_size else "")
    )
    return 0 if planned and reads_met and judged != "not met" else 1


if __name__ == "__main__":
    sys.exit(main())
