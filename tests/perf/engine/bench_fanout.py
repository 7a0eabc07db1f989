"""``make bench-fanout``: a parallel map over a data source's rows on the local stack.

A parent run maps over ``--children`` rows of the Notion sandbox's Tasks data source (each child
appends a line to its row, then finishes), gathers them and finishes; first over 20 rows, then over
the full map. Firestore emulator (every billed operation counted, ``bench_engine.CountingApi``), the
Notion sandbox limited to ``--rate`` requests a second (the workspace's share, the adapter paced at
it), and the engine's plan and step tasks run by worker threads from an in-process queue that keeps
each task's delay and names, retrying a failed task after a backoff as Cloud Tasks does.

Last line: ``RESULT children= completed= lost= throughput_ratio= ops_per_child=`` (goals: every child
completed and gathered, none lost; Notion requests answered over the map's time / the share >= 0.9;
ops per child at the full map <= at 20 + ``OPS_EPSILON``). The run exits 1 when a goal is missed.
"""

import argparse
import heapq
import itertools
import os
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GOAL_RATIO = 0.9
OPS_EPSILON = 1.0  # Firestore ops per child the full map may cost more than the map of 20
SMALL = 20
TENANT = "bench"


@dataclass
class BenchQueue:
    """The queues, in this process: each task kept until its delay passes, a name used once (as Cloud
    Tasks refuses it), taken by the soonest due. Thread-safe."""

    heap: list[tuple[float, int, Any, Any, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    lock: threading.Condition = field(default_factory=threading.Condition)
    order: Any = field(default_factory=itertools.count)

    def enqueue(self, queue: Any, body: Any, task_id: str, delay_s: float = 0.0) -> bool:
        with self.lock:
            if task_id in self.names:
                return False
            self.names.add(task_id)
            self.put(queue, body, task_id, delay_s)
            return True

    def put(self, queue: Any, body: Any, task_id: str, delay_s: float) -> None:
        with self.lock:
            heapq.heappush(self.heap, (time.monotonic() + delay_s, next(self.order), queue, body, task_id))
            self.lock.notify()

    def take(self, stop: threading.Event) -> tuple[Any, Any, str] | None:
        with self.lock:
            while not stop.is_set():
                if self.heap and self.heap[0][0] <= time.monotonic():
                    _, _, queue, body, name = heapq.heappop(self.heap)
                    return queue, body, name
                wait = self.heap[0][0] - time.monotonic() if self.heap else 0.2
                self.lock.wait(min(max(wait, 0.001), 0.2))
        return None


class Workers:
    """Threads that run the queue's plan and step tasks; a task that raises is put back after a
    backoff (its Retry-After, at least ``min_backoff_s``). Other tasks (notes, notifications, rows)
    are dropped: the map's work is in its runs' steps."""

    def __init__(self, deps: Any, queue: BenchQueue, threads: int, min_backoff_s: float = 1.0) -> None:
        self.deps, self.queue, self.min_backoff_s = deps, queue, min_backoff_s
        self.stop = threading.Event()
        self.errors = Counter[str]()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]

    def __enter__(self) -> "Workers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _work(self) -> None:
        from shared.engine.planning.start import start_run
        from shared.engine.services.engine import run_step
        from shared.platform.errors import TransientError
        from shared.runs.domain.plan_task import PlanTask
        from shared.runs.domain.step_task import StepTask

        while (taken := self.queue.take(self.stop)) is not None:
            queue, body, name = taken
            try:
                if isinstance(body, PlanTask):
                    start_run(body, self.deps)
                elif isinstance(body, StepTask):
                    run_step(body, self.deps)
            except TransientError as exc:
                self.errors[type(exc).__name__] += 1
                self.queue.put(queue, body, name, max(exc.retry_after_s or 0.0, self.min_backoff_s))
            except Exception as exc:  # a bug: shown, and retried as the queue would
                self.errors[type(exc).__name__] += 1
                if sum(self.errors.values()) <= 3:
                    traceback.print_exc()
                self.queue.put(queue, body, name, self.min_backoff_s)


def _model(source: str) -> Any:
    """Plans a goal ``parent <n>`` as map_rows over ``n`` rows of ``source``, fan_in and finish; a
    child's as a line appended to its row, then finish."""
    import json

    from shared.platform.adapters.offline_model import OfflineModel
    from shared.platform.domain.model_calls import ModelReply
    from shared.platform.domain.model_replies import PlanOut, extract_context

    class Model(OfflineModel):
        def generate(self, tier: str, prompt: str, schema: Any) -> ModelReply[Any]:
            if schema is not PlanOut:  # a plan is this bench's own: the offline model's reads no "parent N"
                return super().generate(tier, prompt, schema)
            context = extract_context(prompt)
            goal = str(context.get("goal") or "")
            if goal.startswith("parent "):
                limit = int(goal.split()[1])
                args = {"data_source_id": source, "input": "child: note this row", "limit": limit}
                steps = [("map_rows", args), ("fan_in", {"map_step": 1}), ("finish", {"summary": "gathered"})]
            else:
                page = str((context.get("trigger") or {}).get("page_id") or context.get("page_id") or "")
                steps = [("append_blocks", {"page_id": page, "text": "noted"}), ("finish", {"summary": "ok"})]
            calls = [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]
            plan = PlanOut.model_validate({"goal": goal, "steps": calls})
            return ModelReply(plan, self.usage(tier, prompt, plan))

    return Model()


@dataclass
class Measured:
    children: int
    completed: int
    lost: int
    ratio: float
    ops_per_child: float
    requests_ok: int
    refused_429: int
    busy_s: float
    errors: dict[str, int]


def run_map(stack: "Stack", children: int, timeout_s: float) -> Measured:
    """One map over ``children`` rows, from the parent's start to its end; its figures."""
    from shared.runs.domain.events import ToolResult
    from shared.runs.domain.plan_task import PlanTask, Trigger
    from shared.runs.domain.state import RunStatus
    from tests.perf.billing import TOUCHED

    parent = f"map-{children}-{int(time.time())}"
    stack.admin.delete("/requests")
    TOUCHED.clear()
    started = datetime.now(UTC)
    queue = BenchQueue()
    deps = stack.deps._replace(queue=queue)
    trigger = Trigger(kind="api", page_id=stack.home)
    task = PlanTask(tenant_id=TENANT, run_id=parent, trigger=trigger, goal=f"parent {children}")
    queue.enqueue(task_queue(), task, f"plan:{TENANT}:{parent}")
    until = time.monotonic() + timeout_s
    with Workers(deps, queue, stack.threads) as workers:
        while time.monotonic() < until:
            run = deps.store.get_run(TENANT, parent)
            if run is not None and run.state.status.terminal:
                break
            time.sleep(0.5)
    last = deps.store.get_run(TENANT, parent)
    ended = last.updated_at if last is not None and last.state.status.terminal else datetime.now(UTC)
    ops = len(TOUCHED)  # every billed operation: a query that finds nothing is billed one read
    if os.environ.get("BENCH_FANOUT_OPS"):  # what the ops were, by the shape of what they touched
        shapes = Counter(_shape(op) for op in TOUCHED)
        print(
            f"map of {children}: ops by shape",
            [(k, round(v / children, 2)) for k, v in shapes.most_common(14)],
        )
    events = deps.store.list_events(TENANT, parent)
    gathered = next((e for e in events if isinstance(e, ToolResult) and e.tool == "fan_in"), None)
    results = gathered.output["results"] if gathered is not None else []
    made = [deps.store.get_run(TENANT, r["run_id"]) for r in results]
    completed = sum(
        1
        for r, run in zip(results, made, strict=True)
        if r["status"] == "completed" and run is not None and run.state.status == RunStatus.COMPLETED
    )
    log: list[dict[str, Any]] = stack.admin.get("/requests")
    during = [e for e in log if started <= datetime.fromisoformat(e["at"]) <= ended]
    answered = sum(1 for e in during if 200 <= int(e["status"]) < 300)
    busy_s = max((ended - started).total_seconds(), 1e-6)
    return Measured(
        children=children,
        completed=completed,
        lost=children - len(results) + sum(1 for r in made if r is None or not r.state.status.terminal),
        ratio=answered / busy_s / stack.rate,
        ops_per_child=ops / children,
        requests_ok=answered,
        refused_429=sum(1 for e in during if int(e["status"]) == 429),
        busy_s=busy_s,
        errors=dict(workers.errors),
    )


def _shape(op: str) -> str:
    import re

    op = re.sub(r"/runs/[^/]+", "/runs/{run}", op)
    return re.sub(r"/(events|ended)/[^/]+", r"/\1/{id}", op)


def task_queue() -> Any:
    from shared.platform.topology import Queue

    return Queue.PLAN


@dataclass
class Stack:
    deps: Any
    admin: Any
    home: str
    rate: float
    threads: int


def stack(db_host: str, sandbox: Any, rows: int, rate: float, threads: int, running: int) -> Stack:
    """The engine's ports on the emulator and the sandbox (``rows`` rows added to its Tasks data
    source, by a person), a connected bench tenant, and the sandbox limited to ``rate`` a second."""
    from google.cloud import firestore

    from local.notion_sandbox import seed_ids
    from local.notion_sandbox.testing import Admin
    from shared.notion.adapters.notion import NotionApi, build_client
    from shared.notion.services.notion_access import NotionForTenant
    from shared.platform.config import PlatformSecret, Settings
    from shared.runs.adapters.firestore_store import FirestoreRunStore
    from shared.runs.services.deps import Deps
    from shared.runs.services.spend_cache import SpendCache
    from shared.workspace.adapters.cached_tenants import CachedTenants
    from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
    from shared.workspace.domain.tenants import Tenant
    from tests.perf.billing import CountingApi
    from tests.support.platform.platform_fakes import FakeSecrets

    os.environ["FIRESTORE_EMULATOR_HOST"] = db_host
    client = firestore.Client(project="bench-fanout")
    client._firestore_api_internal = CountingApi(client._firestore_api)
    demo = seed_ids("demo")
    admin = Admin(sandbox.url)
    admin.post("/reset")
    for i in range(rows):
        title = {"Name": {"title": [{"text": {"content": f"Row {i}"}}]}}
        body = {"parent": {"data_source_id": demo["tasks_data_source"]}, "properties": title}
        done = admin.post("/workspaces/demo/act", {"method": "POST", "path": "/v1/pages", "body": body})
        assert done["status"] == 200, done
    admin.post("/limits", {"requests": max(1, round(rate * 60)), "window_seconds": 60})
    settings = Settings(
        fan_out_max_running=running,
        step_lease_s=30.0,
        notion_rate_per_s=rate,
        fan_in_wait_s=30.0,
        run_max_steps=10,
        notion_max_inline_wait_s=1.0,
    )
    notion = NotionApi(build_client(sandbox.url, 20.0), 1.0, rate, settings.notion_burst)
    tenants = CachedTenants(FirestoreTenantStore(client))
    now = datetime.now(UTC)
    # its owner and bot known, as a connected workspace's are: the owner's map hands its rows on as the
    # owner's (a run reading as a member's maps only rows of a data source the owner chose: decision 0137)
    known = {"owner_user_id": demo["owner"], "bot_id": demo["bot"]}
    tenants.save(
        Tenant(
            tenant_id=TENANT,
            workspace_id="w-bench",
            token_secret="s",
            created_at=now,
            updated_at=now,
            **known,
        )
    )
    deps = Deps(
        store=FirestoreRunStore(client),
        queue=BenchQueue(),
        secrets=FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}),
        settings=settings,
        spend=SpendCache(),
        model=_model(demo["tasks_data_source"]),
        notion_for=lambda _t: NotionForTenant(notion, lambda op: op("ntn_sandbox_demo")),
        tenants=tenants,
    )
    return Stack(deps, admin, demo["home_page"], rate, threads)


def met(small: Measured, full: Measured) -> list[str]:
    """The goals the two maps miss."""
    missed = []
    for m in (small, full):
        if m.completed != m.children or m.lost:
            missed.append(f"map of {m.children}: {m.completed} completed, {m.lost} lost")
    if full.ratio < GOAL_RATIO:
        missed.append(f"throughput_ratio {full.ratio:.2f} < {GOAL_RATIO}")
    if full.ops_per_child > small.ops_per_child + OPS_EPSILON:
        missed.append(
            f"ops_per_child {full.ops_per_child:.2f} at {full.children} > {small.ops_per_child:.2f} at "
            f"{small.children} + {OPS_EPSILON}"
        )
    return missed


def result_line(small: Measured, full: Measured) -> str:
    return (
        f"RESULT children={full.children} completed={full.completed} lost={full.lost} "
        f"throughput_ratio={full.ratio:.2f} ops_per_child={full.ops_per_child:.1f}"
    )


def measure(
    db_host: str, sandbox: Any, children: int, rate: float, **options: Any
) -> tuple[Measured, Measured]:
    """The map of ``small`` rows (:data:`SMALL`), then of ``children``, on one stack; ``options``:
    ``threads`` (4), ``running`` (the settings' window), ``small``, ``timeout_s`` (900)."""
    from shared.platform.config import Settings

    running = int(options.get("running") or Settings().fan_out_max_running)
    bench = stack(db_host, sandbox, children, rate, int(options.get("threads", 4)), running)
    small, timeout_s = int(options.get("small", SMALL)), float(options.get("timeout_s", 900.0))
    first = run_map(bench, small, timeout_s)
    full = run_map(bench, children, timeout_s)
    return first, full


def main() -> int:
    import logging

    from local.notion_sandbox import SandboxServer
    from tests.perf.emulator import firestore_emulator

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    options: tuple[tuple[str, type, float, str], ...] = (
        ("--children", int, 200, "rows the full map goes over (>= 20)"),
        ("--rate", float, 3.0, "the workspace's Notion requests per second"),
        ("--threads", int, 4, "worker threads running the tasks"),
        ("--window", int, 0, "children of the map running at once (0: NA_FAN_OUT_MAX_RUNNING's default)"),
    )
    for flag, kind, default, meaning in options:
        parser.add_argument(flag, type=kind, default=default, help=meaning)
    args = parser.parse_args()
    if args.children < SMALL or args.rate <= 0 or args.threads < 1 or args.window < 0:
        parser.error(f"--children must be >= {SMALL}, --rate > 0, --threads >= 1")
    logging.disable(logging.ERROR)
    began = time.perf_counter()
    with firestore_emulator() as db_host, SandboxServer() as sandbox:
        small, full = measure(
            db_host, sandbox, args.children, args.rate, threads=args.threads, running=args.window
        )
    for m in (small, full):
        print(
            f"map of {m.children}: {m.completed} completed, {m.lost} lost in {m.busy_s:.0f} s; "
            f"{m.requests_ok} Notion requests answered ({m.ratio:.2f} of {args.rate:g}/s), {m.refused_429} "
            f"refused (429); {m.ops_per_child:.2f} Firestore ops per child; retried tasks {m.errors}"
        )
    print(f"{time.perf_counter() - began:.0f} s in all")
    missed = met(small, full)
    for goal in missed:
        print(f"MISSED: {goal}")
    print(result_line(small, full))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
