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
from pathlib import Path
from typing import NamedTuple

from local.processes import free_port
from tests.perf.backends import FLOORS, Backends, event_body, sign
from tests.perf.stats import Estimate, paired_estimate

# The first request of each target and the floor doing the same: a signed webhook, an authenticated
# GET /runs, or a task delivered again, acknowledged after a read or two (plan: the run its warm-up
# delivery made; notify: the notification it sent; execute-step, deploy: a step of a run that does
# not exist), so that the floor's reads (the run and its tenant) are the task's. A task's own work (a
# model call, a Notion write) is the same cold or warm, and not what this measures.
FLOOR_OF = {
    "notion_webhook": "webhook",
    "api": "runs",
    "plan": "task",
    "execute_step": "task",
    "deploy": "task",
    "notify": "task",
}
START_TIMEOUT_S = 60.0

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


class ColdRow(NamedTuple):
    target: str
    target_s: float  # median time to the first answer
    floor_s: float
    ratio: Estimate


def first_request(target: str, backends: Backends) -> Request:
    """The request a person (or the queue) first sends to ``target``; its floor gets the same."""
    tenant, run = backends.tenant_id, f"cold-{target}"
    json_headers = {"Content-Type": "application/json"}
    if target == "notion_webhook":
        body = event_body()
        return "POST", "/", json_headers | {"X-Notion-Signature": sign(body)}, body
    if target == "api":
        return "GET", "/runs", {"Authorization": f"Bearer {backends.session()}"}, b""
    if target == "plan":
        task: dict[str, object] = {"tenant_id": tenant, "run_id": run, "goal": "Bench the cold start"}
        task["trigger"] = {"kind": "api"}
    elif target == "notify":
        task = {"notification_id": run, "tenant_id": tenant, "subject": "Bench", "text": "A cold notice"}
    else:
        task = {"tenant_id": tenant, "run_id": run, "step": 1}
    return "POST", "/", json_headers, json.dumps(task).encode()


def time_to_first_answer(
    argv: list[str], env: dict[str, str], cwd: Path, port: int, request: Request, log: Path
) -> float:
    """Seconds from starting ``argv`` to the 200 of ``request`` on ``port``; the process is then killed."""
    method, path, headers, body = request
    with open(log, "ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - start > START_TIMEOUT_S:
                raise RuntimeError(f"{argv[-5]} did not answer (see {log})")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=START_TIMEOUT_S)
            try:
                conn.connect()
            except ConnectionRefusedError:
                time.sleep(0.005)
                continue
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - start
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{argv[-5]} answered {response.status}: {answer[:300]!r} (see {log})")
            return elapsed
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure(backends: Backends, source: Path, target: str, rounds: int) -> ColdRow:
    """``rounds`` paired rounds of ``target`` (from the staged ``source``) and its floor."""
    app_env = backends.app_env() | {"PYTHONPATH": str(source)}
    floor = FLOOR_OF[target]
    logs = backends.group.log_dir

    def run(kind: str) -> float:
        port = free_port()
        if kind == "target":
            argv, env = backends.function_argv(target, source / "main.py", port), app_env
        else:
            argv, env = backends.function_argv(floor, FLOORS, port), backends.floor_env()
        request = first_request(target, backends)
        return time_to_first_answer(
            argv, env, backends.workdir, port, request, logs / f"cold-{target}-{kind}.log"
        )

    run("target")  # warm-up: bytecode written, the emulators' first requests served
    run("floor")
    times: dict[str, list[float]] = {"target": [], "floor": []}
    for i in range(rounds):
        for kind in ("target", "floor") if i % 2 == 0 else ("floor", "target"):
            times[kind].append(run(kind))
    ratio = paired_estimate(times["target"], times["floor"])
    return ColdRow(target, statistics.median(times["target"]), statistics.median(times["floor"]), ratio)
