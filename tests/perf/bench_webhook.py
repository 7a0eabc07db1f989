"""``make bench-webhook``: notion-webhook against a floor handler, at rising rates, on loopback.

Starts the Firestore emulator and the local Cloud Tasks emulator (queues held: tasks are created and
kept, never dispatched), then two functions-framework processes (gunicorn, the same threads): the real
``notion_webhook`` target with a connected tenant whose filters accept every event, and the floor
(``tests/perf/webhook_floor.py``: the same HMAC check, one Firestore create, one task create).

Each rate runs open-loop for ``--duration`` seconds per handler, in ``--slices`` alternating slices
(floor, notion-webhook, floor, ...) so that both see the same background noise: request i of a slice is
due at start + i/rate whatever happened before, and its latency is measured from when it was due, so a
slow server cannot hide its queueing. At most ``--concurrency`` requests
are in flight (bounded); a request that cannot start within 1 s of being due counts as failed. A rate
is sustained when every request got a 200 and p99 < 100 ms. The last line is
``RESULT p99_ratio=<float> max_rate=<float> floor_max_rate=<float>``; p99_ratio is notion-webhook's
p99 over the floor's at the highest rate both sustain (the lowest rate when none is). Target <= 1.3.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.firestore_emulator import emulator_argv
from local.processes import ProcessGroup, free_port, http_answers

ROOT = Path(__file__).resolve().parents[2]

PROJECT = "notion-agent-bench"
REGION = "europe-west1"
TOKEN = "secret_bench_verification_token"
WORKSPACE = "5e1f0000-0000-4000-8000-00000000bench"
DATA_SOURCE = "da7a5000-0000-4000-8000-000000000001"
P99_LIMIT_S = 0.100


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def event_body() -> bytes:
    event = {
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(),
        "workspace_id": WORKSPACE,
        "workspace_name": "Bench",
        "subscription_id": "sub",
        "integration_id": "int",
        "type": "page.created",
        "authors": [{"id": "person-1", "type": "person"}],
        "accessible_by": [],
        "attempt_number": 1,
        "api_version": "2025-09-03",
        "entity": {"id": str(uuid.uuid4()), "type": "page"},
        "data": {"parent": {"id": "db", "type": "database", "data_source_id": DATA_SOURCE}},
    }
    return json.dumps(event).encode()


class Load:
    """One open-loop run at ``rate`` for ``duration`` seconds against ``port``."""

    def __init__(self, port: int, rate: float, concurrency: int) -> None:
        self.port, self.rate, self.concurrency = port, rate, concurrency
        self.slots = threading.Semaphore(concurrency)
        self.local = threading.local()
        self.latencies: list[float] = []
        self.failures = 0
        self.sent = 0
        self.lock = threading.Lock()

    def _send(self, due: float, body: bytes) -> None:
        try:
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            headers = {"Content-Type": "application/json", "X-Notion-Signature": sign(body)}
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            ok = False
        finally:
            self.slots.release()
        with self.lock:
            if ok:
                self.latencies.append(time.perf_counter() - due)
            else:
                self.failures += 1

    def run(self, duration: float) -> None:
        """One slice of ``duration`` seconds; results add up over slices."""
        count = int(self.rate * duration)
        bodies = [event_body() for _ in range(count)]
        self.sent += count
        pool = ThreadPoolExecutor(self.concurrency)
        start = time.perf_counter() + 0.05
        for i, body in enumerate(bodies):
            due = start + i / self.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if not self.slots.acquire(timeout=max(0.0, due + 1.0 - time.perf_counter())):
                with self.lock:
                    self.failures += 1  # no free slot within 1 s of being due: the rate is not held
                continue
            pool.submit(self._send, due, body)
        pool.shutdown(wait=True)

    def result(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        p50 = lat[len(lat) // 2] if lat else float("inf")
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("inf")
        return {"sent": self.sent, "ok": len(lat), "failed": self.failures, "p50": p50, "p99": p99}


def sustained(result: dict[str, Any]) -> bool:
    return bool(result["failed"] == 0 and result["p99"] < P99_LIMIT_S)


class Bench:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.group = ProcessGroup(workdir / "logs")
        self.ports = {"notion_webhook": free_port(), "floor": free_port()}
        self.firestore = f"127.0.0.1:{free_port()}"
        self.tasks = ""
        self.tasks_admin = ""

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NA_")} | {"PYTHONPATH": str(ROOT)}
        self.group.start("firestore", emulator_argv(int(self.firestore.split(":")[1])), env)
        tasks_argv = [sys.executable, "-m", "local.tasks_emulator", "--port", str(free_port())]
        self.group.start("tasks", [*tasks_argv, "--admin-port", str(free_port())], env)
        self.group.wait_until("tasks", self._tasks_ready)
        self.group.wait_until("firestore", lambda: http_answers(f"http://{self.firestore}/"))
        self._queues()
        self._tenant()
        secrets = self.workdir / "secrets.json"
        secrets.write_text(json.dumps({"notion-webhook-verification-token": TOKEN}))
        app_env = env | {
            "NA_GCP_PROJECT": PROJECT,
            "NA_REGION": REGION,
            "NA_FIRESTORE_EMULATOR_HOST": self.firestore,
            "NA_TASKS_EMULATOR_HOST": self.tasks,
            "NA_SECRETS_BACKEND": "local",
            "NA_LOCAL_SECRETS_FILE": str(secrets),
        }
        floor_env = env | {
            "FLOOR_PROJECT": PROJECT,
            "FIRESTORE_EMULATOR_HOST": self.firestore,
            "FLOOR_TASKS_HOST": self.tasks,
            "FLOOR_TOKEN": TOKEN,
            "FLOOR_QUEUE": f"projects/{PROJECT}/locations/{REGION}/queues/floor",
        }
        sources = {
            "notion_webhook": ROOT / "functions" / "main.py",
            "floor": Path(__file__).with_name("webhook_floor.py"),
        }
        for name, target_env in (("notion_webhook", app_env), ("floor", floor_env)):
            argv = [
                sys.executable,
                "-m",
                "functions_framework",
                "--target",
                name,
                "--source",
                str(sources[name]),
            ]
            argv += ["--host", "127.0.0.1", "--port", str(self.ports[name])]
            self.group.start(name, argv, target_env, cwd=self.workdir)
        for name, port in self.ports.items():
            self.group.wait_until(name, lambda port=port: http_answers(f"http://127.0.0.1:{port}/"))

    def _tasks_ready(self) -> bool:
        for line in (self.group.log_dir / "tasks.log").read_text(errors="replace").splitlines():
            if line.startswith("READY "):
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                self.tasks, self.tasks_admin = fields["grpc"], fields["admin"]
                return True
        return False

    def _queues(self) -> None:
        import grpc
        from google.cloud import tasks_v2
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        client = tasks_v2.CloudTasksClient(
            transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(self.tasks))
        )
        parent = f"projects/{PROJECT}/locations/{REGION}"
        for queue in ("plan", "floor"):
            name = f"{parent}/queues/{queue}"
            client.create_queue(parent=parent, queue={"name": name})
            hold = urllib.request.Request(
                f"http://{self.tasks_admin}/queues/{name}:hold", data=b"{}", method="POST"
            )
            urllib.request.urlopen(hold, timeout=5).close()

    def _tenant(self) -> None:
        os.environ["FIRESTORE_EMULATOR_HOST"] = self.firestore
        from google.cloud import firestore

        from shared.adapters.firestore_tenants import FirestoreTenantStore
        from shared.domain.connection import token_secret_name
        from shared.domain.settings import TenantSettings
        from shared.domain.tenants import Tenant, tenant_id_for

        tenant_id, now = tenant_id_for(WORKSPACE), datetime.now(UTC)
        tenant = Tenant(
            tenant_id=tenant_id,
            workspace_id=WORKSPACE,
            bot_id="bot-bench",
            token_secret=token_secret_name(tenant_id, "bench"),
            settings=TenantSettings(data_source_ids=[DATA_SOURCE]),
            created_at=now,
            updated_at=now,
        )
        FirestoreTenantStore(firestore.Client(project=PROJECT)).save(tenant)

    def stop(self) -> None:
        self.group.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rates", default="25,50,75,100", help="requests per second, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per rate and handler (>= 20)")
    parser.add_argument("--slices", type=int, default=4, help="alternating slices per rate and handler")
    parser.add_argument("--concurrency", type=int, default=64, help="most requests in flight at once")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    bench = Bench(workdir)
    try:
        bench.start()
        for name, port in bench.ports.items():  # warm up: clients built, connections open
            Load(port, 20, args.concurrency).run(2)
            print(f"warmed up {name}", flush=True)
        results: dict[tuple[str, float], dict[str, Any]] = {}
        print(f"{'rate/s':>7} {'handler':>15} {'p50 ms':>8} {'p99 ms':>8} {'ok':>6} {'failed':>6}  sustained")
        for rate in rates:
            loads = {name: Load(port, rate, args.concurrency) for name, port in bench.ports.items()}
            for _ in range(args.slices):
                for name in ("floor", "notion_webhook"):
                    loads[name].run(args.duration / args.slices)
            for name in ("floor", "notion_webhook"):
                result = results[(name, rate)] = loads[name].result()
                print(
                    f"{rate:>7.0f} {name:>15} {result['p50'] * 1000:>8.1f} {result['p99'] * 1000:>8.1f} "
                    f"{result['ok']:>6} {result['failed']:>6}  {'yes' if sustained(result) else 'no'}",
                    flush=True,
                )
    finally:
        bench.stop()
    best = {n: max((r for r in rates if sustained(results[(n, r)])), default=0.0) for n in bench.ports}
    both = [
        r for r in rates if sustained(results[("notion_webhook", r)]) and sustained(results[("floor", r)])
    ]
    at = max(both) if both else min(rates)
    ratio = results[("notion_webhook", at)]["p99"] / results[("floor", at)]["p99"]
    print(
        f"p99 ratio at {at:.0f}/s: {ratio:.2f} (per rate: "
        + ", ".join(
            f"{r:.0f}/s {results[('notion_webhook', r)]['p99'] / results[('floor', r)]['p99']:.2f}"
            for r in rates
        )
        + f"); logs in {workdir / 'logs'}"
    )
    print(
        f"RESULT p99_ratio={ratio:.3f} max_rate={best['notion_webhook']:.1f} floor_max_rate={best['floor']:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
