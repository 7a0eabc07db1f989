"""Cold start as a person meets it: from a function's process start to its first answered request,
this tree's function against the same function of an earlier tree (the baseline), in one run.

The functions run as they are deployed (functions-framework on the files ``make package`` ships, by
the interpreter of each tree's runtime environment) against the benchmarks' backends
(``tests/perf/backends.py``). A round starts this tree's function and the baseline's one after the
other, in alternating order; a run's time counts from just before the process is started to the
first request's 200, the client connecting as soon as the port takes connections (gunicorn binds
after the import, so the wait for the import and the worker is in it). Each run's CPU time (user +
system of its process group, read before the process is killed) is kept beside it: the work a side
did, which the machine's other load hardly moves. Rounds come in batches, another while the interval
of the paired ratio (this tree over the baseline) straddles ``NOT_SLOWER`` (``measure``).
"""

import http.client
import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple, cast

from local.processes import free_port
from tests.perf.backends import PAGE, Backends, event_body, sign
from tests.perf.coldstart.model_standin import DEPLOY_GOAL
from tests.perf.procstat import group_cpu_s
from tests.perf.stats import LOOKS, Estimate, look_confidence, paired_estimate, until_conclusive

# The targets with a first request (``first_request``): a signed webhook; an authenticated GET /runs
# (a console page's first data); plan: a new run planned (its chosen data source queried in the
# Notion sandbox, the model asked, the run written, its first step enqueued); execute-step: that step
# (a page read in the sandbox, recorded, the next step enqueued); notify: a new notification,
# delivered as a comment on a sandbox page; deploy: a run's approved step, a Vercel preview created
# in the code sandbox (recorded, the next step enqueued).
COLD_TARGETS = ("notion_webhook", "api", "plan", "execute_step", "deploy", "notify")
START_TIMEOUT_S = 60.0
# A ratio this tree / baseline is "not slower" unless its whole interval is above this: at most 1.2
# times the previous release's cold request.
NOT_SLOWER = 1.2

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


class Side(NamedTuple):
    """One tree's functions: its staged source (``main.py`` at its top) and its runtime interpreter."""

    name: str  # "current" or "baseline"
    source: Path
    python: str


class ColdRow(NamedTuple):
    target: str
    current_s: float  # median time to the first answer
    baseline_s: float
    ratio: Estimate  # paired ratio current / baseline of the times to the first answer
    current_max_s: float  # the slowest of this tree's runs
    current_cpu_s: float  # median CPU time of the process group until that answer
    baseline_cpu_s: float


# The step of a prepared run that the cold request of each task function takes (``prepared_runs``)
FIRST_STEP = {"execute_step": 1, "deploy": 2}  # deploy: step 1 is the owner's approval, given


def first_request(
    target: str, backends: Backends, run_id: str = "", goal: str = "Bench the cold start"
) -> Request:
    """The request a person (or the queue) first sends to ``target``; both sides get the same.
    ``run_id``: the prepared run of execute-step or deploy (``prepared_runs``); a new run's for plan."""
    tenant = backends.tenant_id
    json_headers = {"Content-Type": "application/json"}
    if target == "notion_webhook":
        body = event_body()
        return "POST", "/", json_headers | {"X-Notion-Signature": sign(body)}, body
    if target == "api":
        return "GET", "/runs", {"Authorization": f"Bearer {backends.session()}"}, b""
    if target == "plan":
        run = run_id or f"cold-plan-{uuid.uuid4().hex[:12]}"
        task: dict[str, object] = {"tenant_id": tenant, "run_id": run, "goal": goal}
        task["trigger"] = {"kind": "api"}
    elif target == "notify":
        task = {
            "notification_id": f"cold-notify-{uuid.uuid4().hex[:12]}",
            "tenant_id": tenant,
            "channel": "notion_comment",
            "subject": "Bench",
            "text": "A cold notice",
            "data": {"page_id": PAGE},
        }
    elif target in FIRST_STEP:
        task = {"tenant_id": tenant, "run_id": run_id, "step": FIRST_STEP[target]}
    else:
        task = {"tenant_id": tenant, "run_id": f"cold-{target}", "step": 1}
    return "POST", "/", json_headers, json.dumps(task).encode()


class Warm:
    """A function process kept running to prepare what the measured requests need (not measured)."""

    def __init__(self, backends: Backends, side: Side, target: str) -> None:
        self.port = free_port()
        self.log = backends.group.log_dir / f"cold-prepare-{side.name}-{target}.log"
        argv = backends.function_argv(target, side.source / "main.py", self.port, side.python)
        env = backends.app_env() | {"PYTHONPATH": str(side.source)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(argv, env=env, cwd=backends.workdir, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip

    def ask(self, method: str, path: str, headers: dict[str, str], body: object = None) -> dict[str, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        headers = headers | ({"Content-Type": "application/json"} if data else {})
        answer = _ask(self.port, (method, path, headers, data), self.proc, time.perf_counter(), self.log)
        return cast(dict[str, Any], json.loads(answer))

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def prepared_runs(backends: Backends, side: Side, target: str, count: int) -> list[str]:
    """``count`` runs planned by ``side``'s plan function (warm, not measured), each waiting for the
    step ``target`` takes first: execute-step, a page read (step 1); deploy, a Vercel preview (step
    2), the approval planning put before it (step 1) asked by execute-step and given through api."""
    deploy = target == "deploy"
    warm = [Warm(backends, side, name) for name in ("plan", "execute_step", "api")[: 3 if deploy else 1]]
    session = {"Authorization": f"Bearer {backends.session()}"}
    runs = []
    try:
        for _ in range(count):
            _, _, _, body = first_request(
                "plan", backends, goal=DEPLOY_GOAL if deploy else "Bench the cold start"
            )
            task = json.loads(body)
            if warm[0].ask("POST", "/", {}, task).get("created") is not True:
                raise RuntimeError(f"plan did not plan a run (see {warm[0].log})")
            run = task["run_id"]
            if deploy:
                step = {"tenant_id": backends.tenant_id, "run_id": run, "step": 1}
                asked = warm[1].ask("POST", "/", {}, step)
                waiting = warm[2].ask("GET", f"/runs/{run}", session).get("waiting") or {}
                if waiting.get("purpose") != "approval":
                    raise RuntimeError(
                        f"run {run} does not wait for an approval: {asked} (see {warm[1].log})"
                    )
                warm[2].ask("POST", f"/runs/{run}/approve", session, {"request_id": waiting["request_id"]})
            runs.append(run)
    finally:
        for process in warm:
            process.close()
    return runs


def _ask(port: int, request: Request, proc: subprocess.Popen[bytes], start: float, log: Path) -> bytes:
    """The body of the 200 answering ``request`` on ``port``, once the process takes connections."""
    method, path, headers, body = request
    while True:
        if proc.poll() is not None or time.perf_counter() - start > START_TIMEOUT_S:
            raise RuntimeError(f"the function on port {port} did not answer (see {log})")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=START_TIMEOUT_S)
        try:
            conn.connect()
        except ConnectionRefusedError:
            time.sleep(0.005)
            continue
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"port {port} answered {response.status}: {answer[:300]!r} (see {log})")
        return answer


# What a target's answer must say for its work to have been done (not dropped, not a duplicate).
DID_THE_WORK = {
    "plan": ("created", True),
    "execute_step": ("acted", True),
    "deploy": ("acted", True),
    "notify": ("delivered", True),
}


class Timed(NamedTuple):
    wall_s: float  # from just before the start to the answer
    cpu_s: float  # user + system of the process group by then


def time_to_first_answer(
    argv: list[str], env: dict[str, str], cwd: Path, port: int, request: Request, log: Path, did: str = ""
) -> Timed:
    """Seconds from starting ``argv`` to the 200 of ``request`` on ``port``, and the CPU seconds its
    process group used by then; the process is then killed. ``did``: the target whose answer must show
    the work done (``DID_THE_WORK``)."""
    with open(log, "ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        answer = _ask(port, request, proc, start, log)
        elapsed = time.perf_counter() - start
        cpu_s = group_cpu_s({"run": proc.pid})["run"]  # its own session: the group is the pid
        if did in DID_THE_WORK:
            key, value = DID_THE_WORK[did]
            if json.loads(answer).get(key) != value:
                raise RuntimeError(f"{did} did not do the work: {answer[:300]!r} (see {log})")
        if cpu_s <= 0:
            raise RuntimeError(f"no CPU time read for the process group of {argv[0]} (see {log})")
        return Timed(elapsed, cpu_s)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure(
    backends: Backends, current: Side, baseline: Side, target: str, rounds: int, looks: int = LOOKS
) -> ColdRow:
    """Batches of ``rounds`` paired rounds of ``target`` from ``current`` and from ``baseline``, in
    alternating order, another batch while the interval of the ratio current / baseline straddles
    ``NOT_SLOWER``, ``looks`` batches at most (``until_conclusive``; every interval at
    ``look_confidence(looks)``). Raises if either side's answer shows the work not done."""
    sides = {side.name: side for side in (current, baseline)}
    planned: dict[str, Iterator[str]] = {name: iter(()) for name in sides}

    def prepare(count: int) -> None:
        # execute-step's and deploy's each run (the warm-up's too) takes a step of a run of its own,
        # planned by its own tree: a tree reads the runs its own code wrote
        if target in FIRST_STEP:
            for name, side in sides.items():
                planned[name] = iter(prepared_runs(backends, side, target, count))

    def run(name: str) -> Timed:
        side, port = sides[name], free_port()
        argv = backends.function_argv(target, side.source / "main.py", port, side.python)
        env = backends.app_env() | {"PYTHONPATH": str(side.source)}
        request = first_request(target, backends, next(planned[name], ""))
        log = backends.group.log_dir / f"cold-{target}-{name}.log"
        return time_to_first_answer(argv, env, backends.workdir, port, request, log, did=target)

    prepare(1)
    for name in sides:  # warm-up: bytecode written, the emulators' first requests served
        run(name)
    runs: dict[str, list[Timed]] = {name: [] for name in sides}  # run i of round i

    def batch() -> None:
        prepare(rounds)
        done = len(runs[current.name])
        for i in range(done, done + rounds):
            order = (current.name, baseline.name) if i % 2 == 0 else (baseline.name, current.name)
            for name in order:
                runs[name].append(run(name))

    confidence = look_confidence(looks)

    def wall(name: str) -> list[float]:
        return [r.wall_s for r in runs[name]]

    def estimate() -> Estimate:
        return paired_estimate(wall(current.name), wall(baseline.name), confidence)

    ratio = until_conclusive(batch, estimate, NOT_SLOWER, looks)
    return ColdRow(
        target,
        statistics.median(wall(current.name)),
        statistics.median(wall(baseline.name)),
        ratio,
        max(wall(current.name)),
        statistics.median(r.cpu_s for r in runs[current.name]),
        statistics.median(r.cpu_s for r in runs[baseline.name]),
    )
