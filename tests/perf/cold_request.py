"""Cold start as a person meets it: from a function's process start to its first answered request,
against a floor process started the same way doing the same first request (``tests/perf/floors.py``).

The functions run as they are deployed (functions-framework on the files ``make package`` ships)
against the benchmarks' backends (``tests/perf/backends.py``). A round starts the target and its
floor one after the other, in alternating order; a run's time counts from just before the process is
started to the first request's 200, the client connecting as soon as the port takes connections
(gunicorn binds after the import, so the wait for the import and the worker is in it).
"""

import http.client
import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from local.processes import free_port
from tests.perf.backends import FLOORS, PAGE, Backends, event_body, sign
from tests.perf.stats import Estimate, paired_estimate

# The first request of each target and the floor doing the same work with the same client libraries
# (``floors.py``): a signed webhook; an authenticated GET /runs; plan: a new run planned (its chosen
# data source queried in the Notion sandbox, the model asked, the run written, its first step
# enqueued); execute-step: that step (a page read in the sandbox, recorded, the next step enqueued);
# notify: a new notification, delivered as a comment on a sandbox page; deploy: a task delivered
# again, acknowledged after a read or two.
FLOOR_OF = {
    "notion_webhook": "webhook",
    "api": "runs",
    "plan": "plan",
    "execute_step": "step",
    "deploy": "task",
    "notify": "comment",
}
START_TIMEOUT_S = 60.0

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


class ColdRow(NamedTuple):
    target: str
    target_s: float  # median time to the first answer
    floor_s: float
    ratio: Estimate


def first_request(target: str, backends: Backends, run_id: str = "") -> Request:
    """The request a person (or the queue) first sends to ``target``; its floor gets the same.
    ``run_id``: execute-step's planned run (``planned_runs``); a new run's for plan."""
    tenant = backends.tenant_id
    json_headers = {"Content-Type": "application/json"}
    if target == "notion_webhook":
        body = event_body()
        return "POST", "/", json_headers | {"X-Notion-Signature": sign(body)}, body
    if target == "api":
        return "GET", "/runs", {"Authorization": f"Bearer {backends.session()}"}, b""
    if target == "plan":
        run = run_id or f"cold-plan-{uuid.uuid4().hex[:12]}"
        task: dict[str, object] = {"tenant_id": tenant, "run_id": run, "goal": "Bench the cold start"}
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
    elif target == "execute_step":
        task = {"tenant_id": tenant, "run_id": run_id, "step": 1}
    else:
        task = {"tenant_id": tenant, "run_id": f"cold-{target}", "step": 1}
    return "POST", "/", json_headers, json.dumps(task).encode()


def planned_runs(backends: Backends, source: Path, count: int) -> list[str]:
    """``count`` runs planned by a plan function (warm, not measured), each waiting for its step 1."""
    port = free_port()
    argv = backends.function_argv("plan", source / "main.py", port)
    env = backends.app_env() | {"PYTHONPATH": str(source)}
    log = backends.group.log_dir / "cold-planned-runs.log"
    runs = []
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, env=env, cwd=backends.workdir, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        for _ in range(count):
            method, path, headers, body = first_request("plan", backends)
            answer = _ask(port, (method, path, headers, body), proc, time.perf_counter(), log)
            if json.loads(answer).get("created") is not True:
                raise RuntimeError(f"plan did not plan a run: {answer[:300]!r} (see {log})")
            runs.append(json.loads(body)["run_id"])
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
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
DID_THE_WORK = {"plan": ("created", True), "execute_step": ("acted", True), "notify": ("delivered", True)}


def time_to_first_answer(
    argv: list[str], env: dict[str, str], cwd: Path, port: int, request: Request, log: Path, did: str = ""
) -> float:
    """Seconds from starting ``argv`` to the 200 of ``request`` on ``port``; the process is then
    killed. ``did``: the target whose answer must show the work done (``DID_THE_WORK``)."""
    with open(log, "ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        answer = _ask(port, request, proc, start, log)
        elapsed = time.perf_counter() - start
        if did in DID_THE_WORK:
            key, value = DID_THE_WORK[did]
            if json.loads(answer).get(key) != value:
                raise RuntimeError(f"{did} did not do the work: {answer[:300]!r} (see {log})")
        return elapsed
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure(backends: Backends, source: Path, target: str, rounds: int) -> ColdRow:
    """``rounds`` paired rounds of ``target`` (from the staged ``source``) and its floor."""
    app_env = backends.app_env() | {"PYTHONPATH": str(source)}
    floor = FLOOR_OF[target]
    logs = backends.group.log_dir
    # execute-step's each run (the warm-up's two too) takes step 1 of a run of its own
    planned = iter(planned_runs(backends, source, 2 * rounds + 2) if target == "execute_step" else [])

    def run(kind: str) -> float:
        port = free_port()
        if kind == "target":
            argv, env = backends.function_argv(target, source / "main.py", port), app_env
        else:
            argv, env = backends.function_argv(floor, FLOORS, port), backends.floor_env()
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

    run("target")  # warm-up: bytecode written, the emulators' first requests served
    run("floor")
    times: dict[str, list[float]] = {"target": [], "floor": []}
    for i in range(rounds):
        for kind in ("target", "floor") if i % 2 == 0 else ("floor", "target"):
            times[kind].append(run(kind))
    ratio = paired_estimate(times["target"], times["floor"])
    return ColdRow(target, statistics.median(times["target"]), statistics.median(times["floor"]), ratio)
