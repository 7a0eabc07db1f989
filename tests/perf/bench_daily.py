"""Daily planning's fan-out at scale (``make bench-daily``): ``--tenants`` active tenants (10,000)
whose planning hour is the tick's, on the Firestore and Cloud Tasks emulators. The chain of
``POST /schedule`` pages runs as the queue would deliver it (each page's continuation in turn, with
the real adapters behind ``plan_due_tenants``), timed from the first page to the last; Firestore's
billed document reads are counted at the client's API (as ``bench_engine`` does), and the day-plan
tasks (``POST /day-plan``, one per tenant) are counted again in the emulator's queue. A repeat of the whole fan-out must enqueue nothing.
Last line: ``RESULT tenants=<n> fanout_s=<float> reads_per_tenant=<float>`` (goals: every tenant
planned once, fanout_s <= 60); the run exits 1 when a goal is missed.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from shared.domain.tasks.day_plan import DayPlanTask
from tests.perf.backends import PROJECT, REGION, Backends
from tests.perf.billing import OPS, CountingApi

GOAL_FANOUT_S = 60.0
# The seeded tenants plan at 03:00 UTC; the bench tenant (tests/perf/backends.py) at 08:00.
TICK = datetime(2026, 11, 23, 3, tzinfo=UTC)


def seed(tenants: int) -> None:
    """``tenants`` active tenants planning at TICK's hour, each with one chosen data source."""
    from google.cloud import firestore

    from shared.adapters.firestore_tenants import _route_doc, _tenant_doc
    from shared.domain.settings import TenantSettings
    from shared.domain.tenants import Tenant

    db, now = firestore.Client(project=PROJECT), datetime.now(UTC)
    settings = TenantSettings(
        planning_hour=TICK.hour, data_source_ids=["da7a5000-0000-4000-8000-00000000d411"]
    )
    batch, pending = db.batch(), 0
    for i in range(tenants):
        tenant = Tenant(
            tenant_id=f"t-daily-{i:05d}",
            workspace_id=f"w-daily-{i:05d}",
            token_secret=f"notion-token-t-daily-{i:05d}-bench",
            settings=settings,
            created_at=now,
            updated_at=now,
        )
        batch.set(db.collection("tenants").document(tenant.tenant_id), _tenant_doc(tenant))
        batch.set(db.collection("workspaces").document(tenant.workspace_id), _route_doc(tenant))
        pending += 2
        if pending >= 400:
            batch.commit()
            batch, pending = db.batch(), 0
    if pending:
        batch.commit()


def fan_out(backends: Backends) -> tuple[int, int, float]:
    """Run the whole chain once: (plan tasks enqueued, tenants read, seconds)."""
    from shared import bootstrap
    from shared.config import Settings
    from shared.domain.tasks.schedule import ScheduleTask
    from shared.services.daily_schedule import plan_due_tenants

    container = bootstrap.Container(Settings.from_env(backends.app_env()))
    deps = container.engine(with_model=False)
    client = container._firestore()
    client._firestore_api_internal = CountingApi(client._firestore_api)
    task, enqueued, read = ScheduleTask(tick=TICK), 0, 0
    start = time.perf_counter()
    while True:
        fan = plan_due_tenants(task, deps)
        enqueued, read = enqueued + fan.enqueued, read + fan.read
        if fan.next_after is None:
            return enqueued, read, time.perf_counter() - start
        task = ScheduleTask(tick=fan.tick, after=fan.next_after, since=fan.since)


def queued_plans(backends: Backends) -> int:
    """The day-plan tasks the emulator holds (continuations of the chain left out)."""
    from google.cloud import tasks_v2

    client = backends._tasks_client
    parent = f"projects/{PROJECT}/locations/{REGION}/queues/plan"
    request = tasks_v2.ListTasksRequest(parent=parent, page_size=1000, response_view=tasks_v2.Task.View.FULL)
    tasks = client.list_tasks(request=request)
    return sum(1 for t in tasks if t.http_request.url.endswith(DayPlanTask.ROUTE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Daily planning's fan-out over many tenants.")
    parser.add_argument("--tenants", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="daily-") as tmp:
        backends = Backends(Path(tmp))
        try:
            backends.start()
            os.environ["FIRESTORE_EMULATOR_HOST"] = backends.firestore
            seeded = time.perf_counter()
            seed(args.tenants)
            print(f"seeded {args.tenants} tenants in {time.perf_counter() - seeded:.1f} s", file=sys.stderr)
            OPS.clear()
            enqueued, read, seconds = fan_out(backends)
            reads = OPS["reads"]
            held = queued_plans(backends)
            again, _, _ = fan_out(backends)  # the same tick once more: named tasks, nothing new
        finally:
            backends.stop()
    print(
        f"tenants read: {read}; day-plan tasks enqueued: {enqueued}, held by the queue: {held}; "
        f"a repeat enqueued {again}"
    )
    print(f"Firestore document reads: {reads}; writes: {OPS['writes']}")
    planned = enqueued == held == args.tenants and again == 0
    print(
        f"goals: every tenant planned once: {'met' if planned else 'not met'}; "
        f"fanout_s <= {GOAL_FANOUT_S}: {'met' if seconds <= GOAL_FANOUT_S else 'not met'}"
    )
    print(
        f"RESULT tenants={enqueued} fanout_s={seconds:.3f} reads_per_tenant={reads / max(1, args.tenants):.3f}"
    )
    return 0 if planned and seconds <= GOAL_FANOUT_S else 1


if __name__ == "__main__":
    sys.exit(main())
