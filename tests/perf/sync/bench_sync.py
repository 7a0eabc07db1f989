"""``make bench-sync``: Linear, GitLab and Motion each kept in step with Notion, edited on both sides while
the tool's deliveries arrive doubled, late and out of order and the tool answers some requests 429
(docs/sync.md). Motion has no webhooks: its edits reach Notion by the scans' polls, paced at its limit.

Over the Linear sandbox (every request executed against Linear's published schema) or the GitLab
sandbox, the Notion sandbox and a Firestore emulator of its own. Each round edits pages in Notion and issues in Linear, delivers
the outbox shuffled (some twice, some held to the next round), runs the due sync tasks and a scan, and
retries a task Linear refused with a 429 as the queue would. After the last round a quiet pass delivers
what is left; every write it makes is an echo. It prints and asserts
``RESULT tool=<linear|gitlab|motion> converged=1 lost=0 duplicates=0 echo_writes=0 schema_errors=0
mirror_p95_s=<n>`` for each tool (GitLab's fields: title, status as open or closed, due date; its
sides are compared as GitLab holds them; Motion's schema_errors: its requests the reference does not
document):
``lost`` counts edits no side holds at the end that no later edit of the field replaced and no sync
log entry settled; ``mirror_p95_s`` is the 95th percentile from an edit to its value on the other
side, held under the coalescing window plus twice a round's tasks at the floor: one sync task's
median time, measured in the same run. Then the model-fallback part (bench_fallback.py), and issue
69's one line over every tool and that part: ``RESULT converged lost duplicates echo_writes
schema_errors mirror_p95_s fallback_runs_completed fallback_runs_failed``; any goal missed exits 1.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.cloud import firestore

from local.gitlab_sandbox.app import PROJECT_ID
from local.gitlab_sandbox.app import TOKEN as GITLAB_TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from local.notion_sandbox import SandboxServer
from shared.platform.errors import AgentError, NothingSent
from shared.sync.domain import gitlab_mapping, motion
from shared.sync.domain.fields import TaskFields
from shared.sync.domain.mapping import NotionSchema, from_issue
from shared.sync.domain.sync_task import COALESCE_S, SyncTask
from shared.sync.services.connect import connect_gitlab, connect_linear, set_people
from shared.sync.services.intake import ingest_gitlab, ingest_linear
from shared.sync.services.mirror import run_gitlab_task, run_motion_task, run_sync_task
from shared.sync.services.motion import connect_motion
from tests.perf.emulator import firestore_emulator
from tests.perf.sync.bench_fallback import FallbackFigures, bench_fallback
from tests.support.sync.gitlab_stack import GitLabStack, gitlab_stack
from tests.support.sync.motion_stack import MotionStack, motion_stack
from tests.support.sync.sync_stack import IDS, SyncStack, sync_stack

FIELDS = ("title", "status", "priority", "due")  # the fields both sides hold exactly
STATUS = {"unstarted": "Not started", "started": "In progress", "completed": "Done"}
PRIORITY = {2: "High", 3: "Medium", 4: "Low"}
PAGES = ("task_report", "task_invoices", "task_release")
PEOPLE = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
Stack = SyncStack | GitLabStack | MotionStack


class Linear:
    """Linear's side of the bench: its sandbox, intake, task and fields."""

    name = "linear"
    fields = FIELDS
    statuses = tuple(STATUS)

    def __init__(self, stack: SyncStack) -> None:
        self.s = stack
        self.outbox = stack.linear.outbox
        self.rate_limit = stack.linear.rate_limit

    def connect(self) -> None:
        connect_linear(self.s.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, self.s.linking)
        set_people(self.s.tenant_id, {"people": PEOPLE}, self.s.store)

    def run(self, task: SyncTask) -> int:
        return int(run_sync_task(task, self.s.mirroring)["writes"])

    def ingest(self, headers: dict[str, str], body: bytes) -> None:
        ingest_linear(self.s.tenant_id, body, headers, self.s.intake)

    def edit(self, issue_id: str, field: str, value: Any) -> None:
        change = {
            "title": {"title": value},
            "status": {"stateType": value},
            "priority": {"priority": value},
            "due": {"dueDate": value},
        }[field]
        self.s.linear.edit(issue_id, **change)

    def held(self, issue_id: str) -> TaskFields:
        return from_issue(self.s.linear.view(issue_id))

    def view(self, fields: TaskFields) -> TaskFields:
        return fields

    def issues(self) -> int:
        return len(self.s.linear.issues)

    def schema_errors(self) -> int:
        return self.s.linear.schema_errors


class GitLab:
    """GitLab's side: its sandbox, intake, task; status as open or closed, no priority."""

    name = "gitlab"
    fields = ("title", "status", "due")
    statuses = ("unstarted", "completed")

    def __init__(self, stack: GitLabStack) -> None:
        self.s = stack
        self.outbox = stack.gitlab.outbox
        self.rate_limit = stack.gitlab.rate_limit

    def connect(self) -> None:
        body = {"access_token": GITLAB_TOKEN, "project": PROJECT_ID, "base_url": self.s.url}
        connect_gitlab(self.s.tenant_id, body, self.s.linking)
        set_people(self.s.tenant_id, {"people": PEOPLE}, self.s.store, "gitlab")

    def run(self, task: SyncTask) -> int:
        return int(run_gitlab_task(task.model_copy(update={"tool": "gitlab"}), self.s.mirroring)["writes"])

    def ingest(self, headers: dict[str, str], body: bytes) -> None:
        ingest_gitlab(self.s.tenant_id, body, headers, self.s.intake)

    def edit(self, issue_id: str, field: str, value: Any) -> None:
        change = {
            "title": {"title": value},
            "status": {"state": "closed" if value == "completed" else "opened"},
            "due": {"due_date": value},
        }[field]
        self.s.gitlab.edit(int(issue_id), **change)

    def _members(self) -> dict[str, int]:
        connection = self.s.store.connection(self.s.tenant_id)
        return connection.members if connection is not None else {}

    def held(self, issue_id: str) -> TaskFields:
        issue = self.s.gitlab.view(int(issue_id))
        return gitlab_mapping.from_issue(issue, self._members())

    def view(self, fields: TaskFields) -> TaskFields:
        return gitlab_mapping.view(fields, self._members())

    def issues(self) -> int:
        return len(self.s.gitlab.issues)

    def schema_errors(self) -> int:
        return 0


class Motion:
    """Motion's side: its sandbox and task; no deliveries (the scans poll), its 429s retried after the
    Retry-After the adapter took (the pacing clock moved, as the queue's delay would)."""

    name = "motion"
    fields = FIELDS
    statuses = tuple(STATUS)

    def __init__(self, stack: MotionStack) -> None:
        self.s = stack
        self.outbox: list[tuple[str, dict[str, str], bytes]] = []
        self.rate_limit = stack.motion.rate_limit

    def connect(self) -> None:
        body = {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}
        connect_motion(self.s.tenant_id, body, self.s.linking)
        set_people(self.s.tenant_id, {"people": PEOPLE}, self.s.store, "motion")

    def run(self, task: SyncTask) -> int:
        try:
            return int(
                run_motion_task(task.model_copy(update={"tool": "motion"}), self.s.mirroring)["writes"]
            )
        except NothingSent as refused:
            self.s.pace.skip(refused.retry_after_s or 60.0)
            raise

    def ingest(self, headers: dict[str, str], body: bytes) -> None:
        raise AssertionError("Motion has no webhooks")

    def edit(self, issue_id: str, field: str, value: Any) -> None:
        status = {"unstarted": "Todo", "started": "In Progress"}.get(str(value), "Completed")
        priority = {2: "HIGH", 3: "MEDIUM", 4: "LOW"}.get(value if isinstance(value, int) else 0, "")
        change = {
            "title": {"name": value},
            "status": {"status": status},
            "priority": {"priority": priority},
            "due": {"dueDate": value},
        }[field]
        self.s.motion.edit(issue_id, **change)

    def _connection(self) -> Any:
        return self.s.store.connection(self.s.tenant_id)

    def held(self, issue_id: str) -> TaskFields:
        return motion.from_task(self.s.motion.tasks[issue_id])

    def view(self, fields: TaskFields) -> TaskFields:
        c = self._connection()
        return motion.view(fields, c.statuses, c.members)

    def issues(self) -> int:
        return len(self.s.motion.tasks)

    def schema_errors(self) -> int:
        return len(self.s.motion.undocumented)

    def over_limit(self) -> int:
        """Requests past Motion's limit (the sandbox's rolling minute refused them): our pacing's misses."""
        return self.s.motion.refused_for_rate


Tool = Linear | GitLab | Motion


class Bench:
    def __init__(self, stack: Stack, tool: Tool, rng: random.Random) -> None:
        self.s, self.t, self.rng = stack, tool, rng
        self.edits: list[tuple[float, str, str, str, Any]] = []  # (at, side, page, field, value)
        self.pending: list[tuple[str, dict[str, str], bytes]] = []
        self.ratelimited = 0
        self.writes = 0
        self.task_times: list[float] = []
        self.issue_of: dict[str, str] = {}
        self.schema: NotionSchema | None = None

    def run_task(self, task: SyncTask) -> None:
        for _ in range(10):  # the queue's retries
            if self.rng.random() < 0.15:
                self.t.rate_limit(1)
                self.ratelimited += 1
            started = time.monotonic()
            try:
                self.writes += self.t.run(task)
            except NothingSent:
                continue
            self.task_times.append(time.monotonic() - started)
            return
        raise AssertionError(f"a sync task never got through {self.t.name}'s 429s")

    def scan(self) -> None:
        self.run_task(
            SyncTask(tenant_id=self.s.tenant_id, kind="scan", since=datetime.now(UTC) - timedelta(minutes=5))
        )

    def deliver(self, hold: float) -> None:
        """The outbox and what was held, shuffled, some twice; a share held to the next round."""
        batch = self.pending + self.t.outbox
        self.t.outbox.clear()
        self.pending = [d for d in batch if self.rng.random() < hold]
        now = [d for d in batch if d not in self.pending]
        now += [d for d in now if self.rng.random() < 0.3]  # doubled
        self.rng.shuffle(now)
        for _, headers, body in now:
            try:
                self.t.ingest(headers, body)
            except AgentError as refused:
                assert refused.http_status == 409, refused  # only replays are refused here

    def run_due(self) -> None:
        time.sleep(COALESCE_S + 1.2)  # each issue task runs after its window ends, as queued
        tasks = [t for _, t, _, _ in self.s.queue.tasks if isinstance(t, SyncTask) and t.kind == "issue"]
        self.s.queue.tasks.clear()
        for task in tasks:
            self.run_task(task)

    def edit(self, side: str) -> None:
        name = self.rng.choice(PAGES)
        field = self.rng.choice(self.t.fields)
        value: Any = {
            "title": f"{name} {self.rng.randint(0, 9999)}",
            "status": self.rng.choice(self.t.statuses),
            "priority": self.rng.choice(list(PRIORITY)),
            "due": f"2027-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}",
        }[field]
        if getattr(self.holds(side, name), field) == value:
            return  # that side holds it already: no edit (the other side's edit of the field stands)
        if side == "notion":
            prop = {
                "title": {"Name": {"title": [{"text": {"content": value}}]}},
                "status": {"Status": {"status": {"name": STATUS.get(value, "Not started")}}},
                "priority": {"Priority": {"select": {"name": PRIORITY.get(value, "Medium")}}},
                "due": {"Due": {"date": {"start": value}}},
            }[field]
            self.s.notion.update_page_properties(IDS[name], prop)
        else:
            self.t.edit(self.issue_of[name], field, value)
        self.edits.append((time.monotonic(), side, name, field, value))

    def holds(self, side: str, name: str) -> TaskFields:
        """What ``side`` holds of the page's item now (Notion's properties; the body is not edited)."""
        if side != "notion":
            return self.t.held(self.issue_of[name])
        if self.schema is None:
            self.schema = NotionSchema(self.s.notion.retrieve_data_source(IDS["tasks_data_source"]))
        return self.schema.from_page(self.s.notion.retrieve_page(IDS[name]), "")

    def sides(self, schema: NotionSchema) -> dict[str, tuple[TaskFields, TaskFields]]:
        out = {}
        for name in PAGES:
            page = self.s.notion.retrieve_page(IDS[name])
            markdown = self.s.notion.retrieve_markdown(IDS[name]).get("markdown") or ""
            out[name] = (schema.from_page(page, markdown), self.t.held(self.issue_of[name]))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--edits", type=int, default=3, help="edits per side per round")
    parser.add_argument("--seed", type=int, default=69)
    parser.add_argument("--tool", choices=("linear", "gitlab", "motion", "both", "all"), default="all")
    parser.add_argument("--fallback-runs", type=int, default=12, help="agent runs of the fallback part")
    args = parser.parse_args()
    results: list[tuple[dict[str, float], list[str]]] = []
    with firestore_emulator() as host, SandboxServer() as notion_server, tempfile.TemporaryDirectory() as tmp:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        db = firestore.Client(project="notion-agent-bench")
        clock = lambda: datetime.now(UTC)  # noqa: E731 (a one-line clock)
        if args.tool in ("linear", "both", "all"):
            with sync_stack(db, notion_server.url, Path(tmp), now=clock) as stack:
                results.append(bench_tool(stack, Linear(stack), args))
        if args.tool in ("gitlab", "both", "all"):
            with gitlab_stack(db, notion_server.url, Path(tmp), now=clock) as lab:
                results.append(bench_tool(lab, GitLab(lab), args))
        if args.tool in ("motion", "all"):
            with motion_stack(db, notion_server.url, Path(tmp), now=clock) as mo:
                results.append(bench_tool(mo, Motion(mo), args))
        fallback = bench_fallback(db, args.fallback_runs, args.seed)
    total = summary([figures for figures, _ in results], fallback)
    print(f"RESULT {line(total)}")
    misses = [m for _, missed in results for m in missed] + fallback.misses
    misses += missed(total)
    for miss in misses:
        print(f"MISSED {miss}", file=sys.stderr)
    sys.exit(1 if misses else 0)


def bench_tool(stack: Stack, tool: Tool, args: argparse.Namespace) -> tuple[dict[str, float], list[str]]:
    """One tool's rounds, its RESULT line printed; its figures and the goals they missed."""
    rng = random.Random(args.seed)
    tool.connect()
    stack.queue.tasks.clear()
    bench = Bench(stack, tool, rng)
    bench.scan()
    for name in PAGES:
        link = stack.store.link(stack.tenant_id, IDS[name].replace("-", ""))
        assert link is not None, name
        bench.issue_of[name] = link.issue_id
    bench.deliver(0.0)
    bench.run_due()
    floor = statistics.median(bench.task_times)
    pages_before = len(list(stack.notion.query_data_source(IDS["tasks_data_source"])))
    issues_before = tool.issues()
    lag: list[float] = []
    for _ in range(args.rounds):
        start = len(bench.edits)
        for _ in range(args.edits):
            bench.edit("notion")
            bench.edit("tool")
        bench.deliver(0.25)
        bench.run_due()
        bench.scan()
        done = time.monotonic()
        lag += [done - at for at, *_ in bench.edits[start:]]
    bench.deliver(0.0)  # the late ones arrive
    bench.run_due()
    bench.scan()
    writes = bench.writes
    bench.deliver(0.0)  # the quiet pass: our own writes' deliveries, and a scan
    bench.run_due()
    bench.scan()
    echo_writes = bench.writes - writes
    schema = NotionSchema(stack.notion.retrieve_data_source(IDS["tasks_data_source"]))
    sides = bench.sides(schema)
    converged = all(
        all(getattr(tool.view(n), f) == getattr(i, f) for f in tool.fields) for n, i in sides.values()
    )
    logged = {
        (e.page_id, e.field)
        for e in stack.store.read_log(stack.tenant_id, datetime.now(UTC) - timedelta(days=1), 1000)
    }
    last: dict[tuple[str, str], Any] = {}
    for _, _, name, field, value in bench.edits:
        last[(name, field)] = value
    lost = sum(
        1
        for (name, field), value in last.items()
        if getattr(sides[name][0], field) != value
        and (IDS[name].replace("-", ""), field) not in logged
        and getattr(sides[name][1], field) != value
    )
    pages_after = len(list(stack.notion.query_data_source(IDS["tasks_data_source"])))
    duplicates = (tool.issues() - issues_before) + (pages_after - pages_before)
    p95 = statistics.quantiles(lag, n=20)[18] if len(lag) >= 2 else 0.0
    # the window, then twice a round's tasks
    bound = COALESCE_S + 1.2 + 2 * (2 * args.edits + 2) * floor
    over_limit = tool.over_limit() if isinstance(tool, Motion) else 0  # Motion's limit is counted
    print(
        f"tool={tool.name} edits={len(bench.edits)} answered_429={bench.ratelimited} floor_task_s={floor:.3f} "
        f"p95_bound_s={bound:.1f} conflicts_logged={len(logged)} over_limit={over_limit}"
    )
    figures = {
        "converged": int(converged),
        "lost": lost,
        "duplicates": duplicates,
        "echo_writes": echo_writes,
        "schema_errors": tool.schema_errors(),
        "mirror_p95_s": p95,
    }
    print(f"RESULT tool={tool.name} {line(figures)}")
    misses = [f"{tool.name}: {k}={v}" for k, v in figures.items() if k != "mirror_p95_s" and v != GOALS[k]]
    if bench.ratelimited == 0 or over_limit:
        misses.append(f"{tool.name}: answered_429={bench.ratelimited} over_limit={over_limit}")
    if p95 > bound:
        misses.append(
            f"{tool.name}: mirror_p95_s {p95:.1f} over {bound:.1f} (the window and a round's tasks, twice)"
        )
    return figures, misses


GOALS = {"converged": 1, "lost": 0, "duplicates": 0, "echo_writes": 0, "schema_errors": 0}


def line(figures: dict[str, float]) -> str:
    """``figures`` as a RESULT line's ``name=value`` pairs (seconds to one decimal)."""
    return " ".join(f"{k}={v:.1f}" if k.endswith("_s") else f"{k}={int(v)}" for k, v in figures.items())


def summary(parts: list[dict[str, float]], fallback: FallbackFigures) -> dict[str, float]:
    """The one line over every tool's figures and the fallback part: converged only if each
    converged, the counts summed, the slowest tool's p95."""
    total: dict[str, float] = {k: sum(p[k] for p in parts) for k in GOALS}
    total["converged"] = int(all(p["converged"] == 1 for p in parts))
    total["mirror_p95_s"] = max((p["mirror_p95_s"] for p in parts), default=0.0)
    return total | {"fallback_runs_completed": fallback.completed, "fallback_runs_failed": fallback.failed}


def missed(total: dict[str, float]) -> list[str]:
    """The summary's figures off their goals (``mirror_p95_s`` and the runs completed are held per part)."""
    goals = GOALS | {"fallback_runs_failed": 0}
    return [f"{k}={v}" for k, v in total.items() if v != goals.get(k, v)]


if __name__ == "__main__":
    main()
