"""Cold start as a person meets it: from a function's process start to its first answered request,
against a floor process started the same way doing the same first request (``tests/perf/floors.py``).

The functions run as they are deployed (functions-framework on the files ``make package`` ships)
against the benchmarks' backends (``tests/perf/backends.py``). A round starts the target and its
floor one after the other, in alternating order; a run's time counts from just before the process is
started to the first request's 200, the client connecting as soon as the port takes connections
(gunicorn binds after the import, so the wait for the import and the worker is in it). Functions
run by ``backends.python`` (the runtime environment, for the benchmark). Each run's CPU time (user +
system of its process group, read before the process is killed) is paired the same way: it shows the
work a side did, which the machine's other load hardly moves, where the wall clock also shows waits.
A floor loads at its start the client libraries the target preloads, as the target loads them (the
collector paused: ``floors.py``). Every other round also runs the floor with pydantic loaded too
(``PYDANTIC``): the target's ratio to that floor says how much of the ratio is pydantic's import.
Rounds come in batches, another while the wall clock's interval straddles the goal (``measure``).
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
from tests.perf.backends import FLOORS, PAGE, Backends, event_body, sign
from tests.perf.model_standin import DEPLOY_GOAL
from tests.perf.procstat import group_cpu_s
from tests.perf.stats import LOOKS, Estimate, look_confidence, paired_estimate, paired_ratio, until_conclusive

# The first request of each target and the floor doing the same work with the same client libraries
# (``floors.py``): a signed webhook; an authenticated GET /runs; plan: a new run planned (its chosen
# data source queried in the Notion sandbox, the model asked, the run written, its first step
# enqueued); execute-step: that step (a page read in the sandbox, recorded, the next step enqueued);
# notify: a new notification, delivered as a comment on a sandbox page; deploy: a run's approved step,
# a Vercel preview created in the code sandbox (recorded, the next step enqueued).
FLOOR_OF = {
    "notion_webhook": "webhook",
    "api": "runs",
    "plan": "plan",
    "execute_step": "step",
    "deploy": "deployment",
    "notify": "comment",
}
START_TIMEOUT_S = 60.0
# What defining one pydantic model loads (pydantic.main, and pydantic.fields with pydantic.types and
# annotated_types, which the first model class imports): the floors "+ pydantic".
PYDANTIC = ("pydantic.main", "pydantic.fields")

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


class ColdRow(NamedTuple):
    target: str
    target_s: float  # median time to the first answer
    floor_s: float
    ratio: Estimate
    target_cpu_s: float  # median CPU time of the process group until that answer
    floor_cpu_s: float
    cpu: Estimate  # the paired ratio of the CPU times
    pydantic_ratio: float  # the paired ratio (median) to the floor with pydantic, every other round


# The step of a prepared run that the cold request of each task function takes (``prepared_runs``)
FIRST_STEP = {"execute_step": 1, "deploy": 2}  # deploy: step 1 is the owner's approval, given


def first_request(
    target: str, backends: Backends, run_id: str = "", goal: str = "Bench the cold start"
) -> Request:
    """The request a person (or the queue) first sends to ``target``; its floor gets the same.
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

    def __init__(self, backends: Backends, source: Path, target: str) -> None:
        self.port = free_port()
        self.log = backends.group.log_dir / f"cold-prepare-{target}.log"
        argv = backends.function_argv(target, source / "main.py", self.port)
        env = backends.app_env() | {"PYTHONPATH": str(source)}
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


def prepared_runs(backends: Backends, source: Path, target: str, count: int) -> list[str]:
    """``count`` runs planned by a plan function (warm, not measured), each waiting for the step
    ``target`` takes first: execute-step, a page read (step 1); deploy, a Vercel preview (step 2),
    the approval planning put before it (step 1) asked by execute-step and given through api."""
    deploy = target == "deploy"
    warm = [Warm(backends, source, name) for name in ("plan", "execute_step", "api")[: 3 if deploy else 1]]
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


# A round's runs, in turns: the target before its floor in half of the rounds, and before the floor
# with pydantic in half of the rounds that have one (every other round).
_ORDERS = (
    ("target", "floor", "pydantic"),
    ("floor", "target"),
    ("pydantic", "target", "floor"),
    ("floor", "target"),
)


def measure(
    backends: Backends,
    source: Path,
    target: str,
    libraries: tuple[str, ...],
    rounds: int,
    goal: float,
    looks: int = LOOKS,
) -> ColdRow:
    """Batches of ``rounds`` paired rounds of ``target`` (from the staged ``source``) and its floor,
    which loads ``libraries`` (the target's client libraries) at its start, another batch while the
    wall clock's interval straddles ``goal``, ``looks`` batches at most (``until_conclusive``; every
    interval at ``look_confidence(looks)``)."""
    app_env = backends.app_env() | {"PYTHONPATH": str(source)}
    floor = FLOOR_OF[target]
    logs = backends.group.log_dir
    env = backends.floor_env()
    floor_env = {
        "floor": env | {"FLOOR_PRELOAD": ",".join(libraries)},
        "pydantic": env | {"FLOOR_PRELOAD": ",".join((*libraries, *PYDANTIC))},
    }
    planned: Iterator[str] = iter(())

    def prepare(count: int) -> None:
        # execute-step's and deploy's each run (the warm-up's too) takes a step of a run of its own
        nonlocal planned
        if target in FIRST_STEP:
            planned = iter(prepared_runs(backends, source, target, count))

    def run(kind: str) -> Timed:
        port = free_port()
        if kind == "target":
            argv, env = backends.function_argv(target, source / "main.py", port), app_env
        else:
            argv, env = backends.function_argv(floor, FLOORS, port), floor_env[kind]
        request = first_request(target, backends, next(planned, ""))
        return time_to_first_answer(
            argv,
            env,
            backends.workdir,
            port,
            request,
            logs / f"cold-{target}-{kind}.log",
            did=target if kind == "target" else "",
        )

    prepare(2)
    run("target")  # warm-up: bytecode written, the emulators' first requests served
    run("floor")
    runs: dict[str, list[Timed]] = {"target": [], "floor": [], "pydantic": []}  # run i of round i

    def batch() -> None:
        done = len(runs["target"])
        prepare(sum(len(_ORDERS[i % len(_ORDERS)]) for i in range(done, done + rounds)))
        for i in range(done, done + rounds):
            for kind in _ORDERS[i % len(_ORDERS)]:
                runs[kind].append(run(kind))

    confidence = look_confidence(looks)

    def times(field: str) -> dict[str, list[float]]:
        return {kind: [getattr(r, field) for r in timed] for kind, timed in runs.items()}

    def wall_estimate() -> Estimate:
        wall = times("wall_s")
        return paired_estimate(wall["target"], wall["floor"], confidence)

    ratio = until_conclusive(batch, wall_estimate, goal, looks)
    wall, cpu = times("wall_s"), times("cpu_s")
    return ColdRow(
        target,
        statistics.median(wall["target"]),
        statistics.median(wall["floor"]),
        ratio,
        statistics.median(cpu["target"]),
        statistics.median(cpu["floor"]),
        paired_estimate(cpu["target"], cpu["floor"], confidence),
        paired_ratio(wall["target"][::2], wall["pydantic"]),  # the rounds with a pydantic floor
    )
