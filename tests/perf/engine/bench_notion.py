"""``make bench-notion``: concurrent runs of one workspace against its Notion rate limit.

Twenty runs (``--runs``) start at once in the sandbox's demo workspace, each on a page of its own,
from a scripted plan of Notion steps (read its page, query the Tasks data source, append to its page,
read another page, finish), with the agent's home (a Runs row per run) and the default notes on the
trigger page. Firestore emulator, the local Cloud Tasks emulator dispatching over HTTP to execute-step
and notify (in this process, one instance each, one Container), queues with terraform/tasks.tf's
retry settings, the Notion sandbox limited through its admin API to ``--rate`` requests per second
over a fixed ``--window`` (Notion documents a per-connection average of three a second), and the
Notion adapter paced at the same rate (``NA_NOTION_RATE_PER_S``).

Achieved: the Notion requests the sandbox answered with a 2xx, counted from the sandbox's own request
log (not our client's view), whose time falls between the runs' creation and the last run's end,
divided by that time. Allowed: the budget set, requests / window. 429s are not counted as achieved.
Then the requests one page read costs (``tests/perf/page_reads.py``): the same pages (short, 250
paragraphs, toggles four deep, a Tasks row) read by the workspace index and by the ``read_page`` tool,
counted in a fresh sandbox's request log, for this tree and for the tree before decision 0090 (the
commit that added page_reads.py, from git, run as a subprocess against the same sandbox): a walk of
the blocks, 100 a request and one request a nested block, against Notion's Markdown endpoint.

Last line: ``RESULT throughput_ratio=<achieved / allowed> failed=<n> runs_completed=<n>
index_requests_per_read=<mean> before=<mean> tool_requests_per_read=<mean> before=<mean>``; goals:
ratio >= 0.9, failed == 0, every run completed, an index read in one request (the page object is in
hand) and a tool read in two (the page and its Markdown). The run exits 1 when a goal is missed.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.notion_sandbox import SandboxServer
from local.wsgi_thread import ThreadedServer
from tests.perf.emulator import firestore_emulator

GOAL_RATIO = 0.9
PROJECT = "notion-agent-bench-notion"


def plan(page_id: str, other_page: str, source_id: str, i: int) -> list[Any]:
    """The scripted plan of run ``i``: Notion reads and writes on its page, then finish."""
    from shared.runs.domain.events import PlannedStep

    return [
        PlannedStep(tool="read_page", args={"page_id": page_id}),
        PlannedStep(tool="query_data_source", args={"data_source_id": source_id, "limit": 5}),
        PlannedStep(tool="append_blocks", args={"page_id": page_id, "text": f"Progress of run {i}: read."}),
        PlannedStep(tool="read_page", args={"page_id": other_page}),
        PlannedStep(tool="append_blocks", args={"page_id": page_id, "text": f"Run {i} is done."}),
        PlannedStep(tool="finish", args={"summary": f"Run {i} read and wrote its page."}),
    ]


def _queues(tasks: Any, region: str) -> None:
    """The queues, with terraform/tasks.tf's retry and rate settings (plan and deploy held: unused)."""
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    from shared.platform.topology import Queue
    from tests.support.platform.task_retries import seconds
    from tools.infra_drift import load_terraform

    client = tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(tasks.grpc_address))
    )
    declared = load_terraform().locals["queues"]
    parent = f"projects/{PROJECT}/locations/{region}"
    for queue in Queue:
        tf, name = declared[queue.value], f"{parent}/queues/{queue.value}"
        retry = tasks_v2.RetryConfig(
            max_attempts=int(tf["max_attempts"]),
            min_backoff={"seconds": int(seconds(str(tf["min_backoff"])))},
            max_backoff={"seconds": int(seconds(str(tf["max_backoff"])))},
            max_doublings=int(tf["max_doublings"]),
        )
        limits = tasks_v2.RateLimits(
            max_dispatches_per_second=float(tf["max_dispatches_per_second"]),
            max_concurrent_dispatches=int(tf["max_concurrent_dispatches"]),
        )
        client.create_queue(
            parent=parent, queue=tasks_v2.Queue(name=name, retry_config=retry, rate_limits=limits)
        )
        if queue in (Queue.PLAN, Queue.DEPLOY):
            tasks.hold(name)


def run(db_host: str, sandbox: SandboxServer, runs: int = 20, rate: float = 3.0, window_s: float = 60.0,
        timeout_s: float = 300.0) -> dict[str, Any]:  # fmt: skip
    """``runs`` concurrent runs against ``sandbox`` limited to ``rate`` requests a second over
    ``window_s``, on the Firestore emulator at ``db_host``; the figures of the RESULT line and more."""

    from google.cloud import firestore

    from functions._http import app
    from local.notion_sandbox import seed_ids
    from local.processes import free_port
    from local.tasks_emulator import TasksEmulator
    from shared import bootstrap
    from tests.integration.notion_stack import REGION, Stack, reset_sandbox, stack_settings
    from tests.support.runs.run_rows import make_home, scripted_run

    os.environ["FIRESTORE_EMULATOR_HOST"] = db_host
    demo = seed_ids("demo")
    budget = max(1, round(rate * window_s))
    ports = {"execute_step": free_port(), "notify": free_port()}
    with TasksEmulator(port=0, admin_port=None) as tasks, tempfile.TemporaryDirectory() as tmp:
        _queues(tasks, REGION)
        admin = reset_sandbox(sandbox.url)
        outbox = str(Path(tmp) / "outbox")
        settings = stack_settings(
            db_host,
            tasks,
            sandbox.url,
            Path(tmp),
            gcp_project=PROJECT,
            outbox_dir=outbox,
            notifier_backend="live",
            notion_rate_per_s=rate,
            execute_step_url=f"http://127.0.0.1:{ports['execute_step']}",
            notify_url=f"http://127.0.0.1:{ports['notify']}",
        )
        container = bootstrap.Container(settings)
        db = firestore.Client(project=PROJECT)
        with (
            ThreadedServer(app("execute_step", container), "execute-step", ports["execute_step"]),
            ThreadedServer(app("notify", container), "notify", ports["notify"]),
        ):
            stack = Stack(settings, sandbox, admin, tasks, container, "http://127.0.0.1:9", db)
            tenant_id = stack.connect()["tenant_id"]
            make_home(stack, tenant_id)
            pages = [_page(admin, demo["home_page"], f"Bench page {i}") for i in range(runs)]
            admin.post("/limits", {"requests": budget, "window_seconds": window_s})
            admin.delete("/requests")
            deps = container.engine()
            started = datetime.now(UTC)
            for i, page in enumerate(pages):
                steps = plan(page, demo["task_report"], demo["tasks_data_source"], i)
                scripted_run(deps, tenant_id, f"bench-{i:02d}", page, steps)
            ended = _wait(deps, tenant_id, runs, timeout_s)
            log = _notes_written(admin, runs)
            admin.post("/limits", {"requests": None})
            _quiesce(tasks)
    return figures(ended, log, started, budget / window_s)


def _quiesce(tasks: Any, within_s: float = 30.0) -> None:
    """Dispatch nothing more, and let the attempts under way finish (their follow-ups still reach
    the emulator), so nothing calls a server or the emulator once they are stopped."""
    from shared.platform.topology import Queue

    for queue in Queue:
        tasks.hold(queue.value)
    until = time.monotonic() + within_s
    while any(t["running"] for t in tasks.pending_tasks()) and time.monotonic() < until:
        time.sleep(0.2)


def _notes_written(admin: Any, runs: int, within_s: float = 15.0) -> list[dict[str, Any]]:
    """The sandbox's request log once it holds a note (a comment) and a Runs row write per run, or at
    ``within_s``: a run's last note is queued as it ends, and a row whose lease another task held is
    written on that task's retry, so either may reach Notion just after."""
    until = time.monotonic() + within_s
    while True:
        log: list[dict[str, Any]] = admin.get("/requests")
        done = Counter(_kind(e) for e in log if 200 <= int(e["status"]) < 300)
        if (done["comments"] >= runs and done["row writes"] >= runs) or time.monotonic() > until:
            return log
        time.sleep(0.5)


def _page(admin: Any, parent: str, title: str) -> str:
    """A page made by a person (the sandbox's act: not in its request log)."""
    body = {"parent": {"page_id": parent}, "properties": {"title": {"title": [{"text": {"content": title}}]}}}
    done = admin.post("/workspaces/demo/act", {"method": "POST", "path": "/v1/pages", "body": body})
    assert done["status"] == 200, done
    return str(done["response"]["id"])


def _wait(deps: Any, tenant_id: str, runs: int, timeout_s: float) -> list[Any]:
    """The runs once none is running (or at ``timeout_s``)."""
    from shared.runs.domain.state import RunStatus

    until = time.monotonic() + timeout_s
    while True:
        found = deps.store.list_runs(tenant_id, limit=runs + 10)
        if len(found) >= runs and all(r.state.status != RunStatus.RUNNING for r in found):
            return list(found)
        if time.monotonic() > until:
            return list(found)
        time.sleep(0.5)


def figures(ended: list[Any], log: list[dict[str, Any]], started: datetime, allowed: float) -> dict[str, Any]:
    """The RESULT figures from the runs as they ended and the sandbox's request log."""
    from shared.runs.domain.state import RunStatus

    done = [r for r in ended if r.state.status.terminal]
    last = max((r.updated_at for r in done), default=started)
    busy_s = max((last - started).total_seconds(), 1e-6)
    during = [e for e in log if started <= datetime.fromisoformat(e["at"]) <= last]
    answered = [e for e in during if 200 <= int(e["status"]) < 300]
    achieved = len(answered) / busy_s
    statuses = Counter(r.state.status.value for r in ended)
    completed = statuses.get(RunStatus.COMPLETED.value, 0)
    kinds = Counter(_kind(e) for e in answered)
    return {
        "throughput_ratio": achieved / allowed,
        "achieved_per_s": achieved,
        "allowed_per_s": allowed,
        "busy_s": busy_s,
        "requests_ok": len(answered),
        "refused_429": sum(1 for e in during if int(e["status"]) == 429),
        "failed": len(ended) - completed,
        "runs_completed": completed,
        "statuses": dict(statuses),
        # every answered request, the notes of a run's end included (written just after it ends)
        "kinds_all": Counter(_kind(e) for e in log if 200 <= int(e["status"]) < 300),
        "kinds": dict(kinds),
    }


def _kind(entry: dict[str, Any]) -> str:
    method, path = entry["method"], entry["path"]
    if path.startswith("/v1/comments"):
        return "comments"
    if (method, path[:10]) == ("PATCH", "/v1/pages/") or (method, path) == ("POST", "/v1/pages"):
        return "row writes"
    if method == "POST" and path.endswith("/query"):
        return "queries"
    return "steps' other"


def met(f: dict[str, Any], runs: int) -> bool:
    """Whether the figures meet the goals for ``runs`` runs."""
    return bool(f["throughput_ratio"] >= GOAL_RATIO and f["failed"] == 0 and f["runs_completed"] == runs)


def result_line(f: dict[str, Any], reads: dict[str, Any] | None = None) -> str:
    """The RESULT line of the runs' figures, and of the page reads' (now and before) when given."""
    line = f"RESULT throughput_ratio={f['throughput_ratio']:.2f} failed={f['failed']} runs_completed={f['runs_completed']}"
    if reads is not None:
        now, before = reads["now"], reads["before"]
        line += (
            f" index_requests_per_read={now['index_mean']:.2f} before={_mean(before, 'index')}"
            f" tool_requests_per_read={now['tool_mean']:.2f} before={_mean(before, 'tool')}"
        )
    return line


def _mean(figures: dict[str, Any] | None, way: str) -> str:
    return f"{figures[f'{way}_mean']:.2f}" if figures else "unmeasured"


GOAL_INDEX_REQUESTS = 1.0  # the page object in hand (a query's row): its Markdown
GOAL_TOOL_REQUESTS = 2.0  # the page, then its Markdown


def reads_met(reads: dict[str, Any]) -> bool:
    """Whether every page was read in the requests the Markdown endpoint allows (see the goals)."""
    now = reads["now"]
    return all(n <= GOAL_INDEX_REQUESTS for n in now["index"].values()) and all(
        n <= GOAL_TOOL_REQUESTS for n in now["tool"].values()
    )


def page_reads(before: bool = True) -> dict[str, Any]:
    """Requests per page read, this tree's (``now``) and the tree's before decision 0090 (``before``,
    None when not asked for), each against a fresh sandbox."""
    import json
    import subprocess

    from local.notion_sandbox.testing import Admin
    from tests.perf.page_reads import measure

    out: dict[str, Any] = {"before": None}
    with SandboxServer() as sandbox:
        out["now"] = measure(sandbox.url)
        if before:
            Admin(sandbox.url).post("/reset")
            with tempfile.TemporaryDirectory() as tmp:
                tree = _baseline_tree(Path(tmp))
                done = subprocess.run(
                    [sys.executable, "-m", "tests.perf.page_reads", sandbox.url],
                    cwd=tree,
                    env={**os.environ, "PYTHONPATH": str(tree)},
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            out["before"] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _baseline_tree(into: Path) -> Path:
    """The tree before decision 0090 (the commit that added tests/perf/page_reads.py) in ``into``."""
    import io
    import subprocess
    import tarfile

    root = Path(__file__).resolve().parents[3]
    git = ["git", "-C", str(root)]
    added = subprocess.run(
        [*git, "log", "--diff-filter=A", "--format=%H", "--", "tests/perf/page_reads.py"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    if not added:
        raise SystemExit("no commit adds tests/perf/page_reads.py: is this a full clone? (--no-before)")
    archive = subprocess.run([*git, "archive", added[-1]], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> int:
    import logging

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20, help="concurrent runs (>= 1)")
    parser.add_argument("--rate", type=float, default=3.0, help="allowed Notion requests per second")
    parser.add_argument("--window", type=float, default=60.0, help="the rate limit's window, seconds")
    parser.add_argument("--no-before", action="store_true", help="skip the tree before 0090's page reads")
    args = parser.parse_args()
    if args.runs < 1 or args.rate <= 0 or args.window <= 0:
        parser.error("--runs must be >= 1, --rate and --window > 0")
    logging.disable(logging.ERROR)  # each paced or refused request logs a line; only the report matters
    began = time.perf_counter()
    with firestore_emulator() as host, SandboxServer() as sandbox:
        f = run(host, sandbox, args.runs, args.rate, args.window)
    reads = page_reads(before=not args.no_before)
    print(
        f"{f['requests_ok']} Notion requests answered in {f['busy_s']:.1f} s of runs: "
        f"{f['achieved_per_s']:.2f}/s of {f['allowed_per_s']:.2f}/s allowed; {f['refused_429']} refused (429); "
        f"by kind {f['kinds']}; runs {f['statuses']}; {time.perf_counter() - began:.0f} s in all"
    )
    for side in ("before", "now"):
        if reads[side]:
            r = reads[side]
            print(
                f"page reads {side}: requests index {r['index']} tool {r['tool']}; characters read {r['chars']}"
            )
    print(result_line(f, reads))
    return 0 if met(f, args.runs) and reads_met(reads) else 1


if __name__ == "__main__":
    sys.exit(main())
