"""``make bench-webhook``: notion-webhook against a floor handler on loopback, paired, with intervals.

Starts the Firestore emulator and the local Cloud Tasks emulator (queues held: tasks are created and
kept, never dispatched), then two functions-framework processes (gunicorn, the same threads): the real
``notion_webhook`` target with a connected tenant whose filters accept every event, and the floor
(``floors.webhook`` in ``tests/perf/floors.py``: the same HMAC check, one Firestore create, one
task create).

Load is open-loop: request i of a slice is due at start + i/rate whatever happened before, and its
latency is measured from when it was due, so a slow server cannot hide its queueing; at most
``--concurrency`` requests are in flight, and one that cannot start within 1 s of being due fails. A
rate is sustained when every request got a 200 and p90 < 100 ms: a handler that does not keep up
queues more with every second, and its p90 grows past any bound within a slice, while the tail (p99)
of a slice of a few hundred requests moves with the machine's other load (on a shared machine a
handler "failed" 50/s on p99 and held 38/s and 44/s just after).

1. The knee: for each handler, the rate doubles from ``--start-rate`` until a probe slice fails, then
   a binary search between the last sustained and the first failed rate down to 10 % (a failed probe
   is tried once more: a rate is sustained when it can be). The CPU of every process (each handler's
   process group, the emulators, this load generator) and of the machine during the probes at the
   knee says what saturates there. ``max_rate`` and ``floor_max_rate`` are the last sustained rates.
2. The ratios: at each of ``--rates`` (100/s: below both knees on this machine so far), ``--pairs``
   pairs of short slices (floor then handler, handler then floor, alternately); per pair the
   handler's p99 over the floor's and its CPU time per request (user + system of its process group,
   from /proc) over the floor's.
   Reported: the medians with 95 % bootstrap intervals (``tests/perf/stats.py``).

The last line is ``RESULT p99_ratio=<m> p99_ratio_ci=<lo>-<hi> cpu_ratio=<m> cpu_ratio_ci=<lo>-<hi>
rate=<r> max_rate=<r> floor_max_rate=<r>``, the ratios at the highest of ``--rates``: a fixed rate,
so that runs compare (one whose knee came out below it says so).
Goal: p99_ratio <= 1.3, "inconclusive" when its interval straddles 1.3.
"""

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import NamedTuple

from local.processes import free_port, http_answers
from tests.perf.backends import FLOORS, ROOT, Backends, event_body, sign
from tests.perf.procstat import group_cpu_s, machine_busy_s, own_cpu_s
from tests.perf.stats import Estimate, exit_status, median_ci, ratios, verdict

P90_LIMIT_S = 0.100  # a rate is sustained when no request failed and p90 < this
GOAL_P99_RATIO = 1.3
HANDLERS = ("floor", "notion_webhook")
GENERATOR = "load generator"
SATURATED_CORE = 0.85  # a process at this share of a core or more is at its limit (one GIL)


class Slice(NamedTuple):
    """One slice of load at ``rate``: its requests and the CPU seconds each process used meanwhile."""

    rate: float
    sent: int
    failed: int
    p90: float
    p99: float
    cpu_s: dict[str, float]  # by process group (handlers, emulators) and the load generator
    machine_s: float  # the whole machine's busy CPU seconds (all cores, every process)
    wall_s: float

    @property
    def sustained(self) -> bool:
        return self.failed == 0 and self.p90 < P90_LIMIT_S

    def cpu_per_request(self, name: str) -> float:
        return self.cpu_s[name] / max(1, self.sent)


STARTED = time.perf_counter()


def elapsed() -> str:
    return f"[{time.perf_counter() - STARTED:>4.0f} s]"


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


class Loader:
    """Open-loop load against one handler; its threads and their connections are kept across slices."""

    def __init__(self, port: int, concurrency: int) -> None:
        self.port, self.concurrency = port, concurrency
        self.pool = ThreadPoolExecutor(concurrency)
        self.slots = threading.Semaphore(concurrency)
        self.local = threading.local()

    def _send(self, due: float, body: bytes) -> float:
        """The latency from when the request was due; infinite when it failed."""
        headers = {"Content-Type": "application/json", "X-Notion-Signature": sign(body)}
        try:
            for _ in range(2):
                conn = getattr(self.local, "conn", None)
                reused = conn is not None
                if conn is None:
                    conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                try:
                    conn.request("POST", "/", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    conn.close()
                    self.local.conn = None
                    if reused:  # kept alive while idle, closed by the server meanwhile: a new one
                        continue
                    raise
                return time.perf_counter() - due if response.status == 200 else float("inf")
            return float("inf")
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            return float("inf")
        finally:
            self.slots.release()

    def slice(self, rate: float, duration: float, meter: "Meter") -> Slice:
        bodies = [event_body() for _ in range(max(1, round(rate * duration)))]
        meter.prepare()
        cpu_before, machine_before = meter.read()
        start = time.perf_counter() + 0.02
        futures, late = [], 0
        for i, body in enumerate(bodies):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if not self.slots.acquire(timeout=max(0.0, due + 1.0 - time.perf_counter())):
                late += 1  # no free slot within 1 s of being due: the rate is not held
                continue
            futures.append(self.pool.submit(self._send, due, body))
        latencies = sorted([f.result() for f in futures] + [float("inf")] * late)
        wall = time.perf_counter() - start
        cpu_after, machine_after = meter.read()
        cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
        failed = sum(1 for v in latencies if v == float("inf"))
        return Slice(
            rate, len(bodies), failed, percentile(latencies, 0.9), percentile(latencies, 0.99), cpu,
            machine_after - machine_before, wall,
        )  # fmt: skip


class Meter:
    """CPU seconds so far of every process group the bench started, of itself and of the machine."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends
        self.group = backends.group

    def prepare(self) -> None:
        """Before a slice: the held tasks of the slices before dropped (the same emulator each time)."""
        self.backends.purge_queues()

    def read(self) -> tuple[dict[str, float], float]:
        cpu = group_cpu_s({name: proc.pid for name, proc in self.group.procs.items()})
        return cpu | {GENERATOR: own_cpu_s()}, machine_busy_s()


class Knee(NamedTuple):
    """A handler's last sustained rate (0: none) with its probe, and the first failed one's."""

    rate: float
    held: Slice | None
    failed: Slice | None


def next_rate(low: float, high: float | None, limit: float) -> float | None:
    """The next rate to probe, between the last sustained (``low``, 0 for none) and the first failed
    (``high``, None for none yet): doubling until a failure, then bisecting down to 10 % (or 1/s)."""
    if high is None:
        return low * 2 if low * 2 <= limit else None
    if low == 0:
        return round(high / 2) if high / 2 >= 5 else None
    middle = float(round((low + high) / 2))  # whole requests per second
    return None if high / low <= 1.1 or middle in (low, high) else middle


def find_knees(
    loaders: dict[str, Loader], meter: Meter, start: float, probe_s: float, limit: float
) -> dict[str, Knee]:
    """Each handler's knee, the two searches interleaved so that both meet the same background load."""
    knees = {name: Knee(0.0, None, None) for name in loaders}
    rates: dict[str, float | None] = dict.fromkeys(loaders, start)
    while any(rate is not None for rate in rates.values()):
        for name, loader in loaders.items():
            rate = rates[name]
            if rate is None:
                continue
            probe = loader.slice(rate, probe_s, meter)
            if not probe.sustained:  # once more: a rate is sustained when it can be
                time.sleep(0.5)
                probe = loader.slice(rate, probe_s, meter)
            held = "yes" if probe.sustained else "no"
            print(
                f"  {elapsed()} knee {name:>15} {rate:>6.0f}/s  p90 {probe.p90 * 1000:>8.1f} ms  "
                f"failed {probe.failed:>4}  sustained {held}",
                flush=True,
            )
            knee = knees[name]
            knee = knees[name] = (
                Knee(rate, probe, knee.failed) if probe.sustained else Knee(knee.rate, knee.held, probe)
            )
            rates[name] = next_rate(knee.rate, knee.failed.rate if knee.failed else None, limit)
            time.sleep(0.5)  # the backlog of a failed probe drains
    return knees


def saturation(probe: Slice, handler: str, cores: int) -> str:
    """Who is at its limit during ``probe``: each process's CPU in shares of one core, the machine's."""
    share = {name: seconds / probe.wall_s for name, seconds in probe.cpu_s.items()}
    machine = probe.machine_s / probe.wall_s
    others = max(0.0, machine - sum(share.values()))
    listing = ", ".join(f"{name} {value:.0%}" for name, value in share.items() if value >= 0.005)
    listing += f", other processes {others:.0%}; machine {machine:.0%} of {cores * 100}%"
    busiest = [name for name in (handler, GENERATOR, "firestore", "tasks") if share[name] >= SATURATED_CORE]
    if busiest:
        why = "near or above one core: " + ", ".join(busiest)
    elif machine >= 0.9 * cores:
        why = f"all cores busy, the largest share {max(share, key=lambda n: share[n])}"
    else:
        why = "no process near a core and cores to spare: latency, not CPU, set the limit"
    return f"{why} ({listing})"


def paired_slices(
    loaders: dict[str, Loader], meter: Meter, rate: float, pairs: int, slice_s: float
) -> dict[str, list[Slice]]:
    """``pairs`` pairs of slices at ``rate``: floor then handler, handler then floor, alternately."""
    slices: dict[str, list[Slice]] = {name: [] for name in HANDLERS}
    for i in range(pairs):
        for name in HANDLERS if i % 2 == 0 else HANDLERS[::-1]:
            slices[name].append(loaders[name].slice(rate, slice_s, meter))
            time.sleep(0.1)
    return slices


class Ratios(NamedTuple):
    p99: Estimate
    cpu: Estimate
    emulators_cpu: Estimate  # the emulators' CPU per request: the Firestore and Cloud Tasks work asked
    dropped: int  # pairs without a p99 ratio (a slice with over 1 % failed)


def pair_ratios(floor: list[Slice], handler: list[Slice]) -> Ratios:
    kept = [(f, h) for f, h in zip(floor, handler, strict=True) if f.p99 < float("inf") > h.p99]
    p99 = median_ci(ratios([h.p99 for _, h in kept], [f.p99 for f, _ in kept])) if kept else None
    cpu = median_ci(
        ratios(
            [h.cpu_per_request("notion_webhook") for h in handler],
            [f.cpu_per_request("floor") for f in floor],
        )
    )
    emu = median_ci(
        ratios(
            [h.cpu_per_request("firestore") + h.cpu_per_request("tasks") for h in handler],
            [f.cpu_per_request("firestore") + f.cpu_per_request("tasks") for f in floor],
        )
    )
    missing = Estimate(float("inf"), float("inf"), float("inf"), 0)
    return Ratios(p99 or missing, cpu, emu, len(floor) - len(kept))


class Bench(Backends):
    """The backends, notion-webhook and its floor (``floors.webhook``), each on its own port."""

    def __init__(self, workdir: Path, python: str) -> None:
        super().__init__(workdir, python)
        self.ports = {name: free_port() for name in HANDLERS}

    def start(self) -> None:
        super().start()
        self.group.start(
            "notion_webhook",
            self.function_argv(
                "notion_webhook", ROOT / "functions" / "main.py", self.ports["notion_webhook"]
            ),
            self.app_env(),
            cwd=self.workdir,
        )
        self.group.start(
            "floor",
            self.function_argv("webhook", FLOORS, self.ports["floor"]),
            self.floor_env(),
            cwd=self.workdir,
        )
        for name, port in self.ports.items():
            self.group.wait_until(name, partial(http_answers, f"http://127.0.0.1:{port}/"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rates", default="100", help="rates of the paired ratios, comma-separated")
    parser.add_argument("--pairs", type=int, default=30, help="pairs of slices per rate (>= 5)")
    parser.add_argument("--slice", type=float, default=1.5, help="seconds of one slice")
    parser.add_argument("--probe", type=float, default=3.0, help="seconds of one probe of the knee search")
    parser.add_argument("--start-rate", type=float, default=100.0, help="the knee search's first rate")
    parser.add_argument("--limit", type=float, default=3200.0, help="the knee search's highest rate")
    parser.add_argument("--concurrency", type=int, default=64, help="most requests in flight at once")
    parser.add_argument(
        "--python", type=os.path.abspath, default=sys.executable, help="the interpreter running both handlers"
    )
    args = parser.parse_args()
    if args.pairs < 5:
        parser.error("--pairs must be at least 5")
    rates = sorted(float(r) for r in args.rates.split(","))
    cores = os.cpu_count() or 1
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    bench = Bench(workdir, args.python)
    try:
        bench.start()
        meter = Meter(bench)
        loaders = {name: Loader(bench.ports[name], args.concurrency) for name in HANDLERS}
        for name, loader in loaders.items():  # warm up: clients built, connections open
            loader.slice(20, 2, meter)
            print(f"warmed up {name}", flush=True)
        knees = find_knees(loaders, meter, args.start_rate, args.probe, args.limit)
        measured = rates
        results: dict[float, tuple[Ratios, dict[str, list[Slice]]]] = {}
        for rate in measured:
            slices = paired_slices(loaders, meter, rate, args.pairs, args.slice)
            results[rate] = (pair_ratios(slices["floor"], slices["notion_webhook"]), slices)
            print(f"  {elapsed()} measured {args.pairs} pairs at {rate:.0f}/s", flush=True)
    finally:
        bench.stop()
    for name, knee in knees.items():
        print(f"knee of {name}: sustains {knee.rate:.0f}/s", end="")
        print(f", fails at {knee.failed.rate:.0f}/s" if knee.failed else " (the search's limit)")
        for label, probe in (("held", knee.held), ("failed", knee.failed)):
            if probe is not None:
                print(
                    f"  {label} at {probe.rate:.0f}/s, p99 {ms(probe.p99)} ms: {saturation(probe, name, cores)}"
                )
    print(
        f"{'rate/s':>7} {'p99 floor':>10} {'p99 hook':>9} {'p99_ratio [95% CI]':>24} {'cpu floor':>10}"
        f" {'cpu hook':>9} {'cpu_ratio [95% CI]':>24} {'emulators':>22} {'failed':>7}"
    )
    for rate, (r, slices) in results.items():
        med = {n: statistics.median(s.p99 for s in slices[n]) for n in HANDLERS}
        cpu = {n: statistics.median(s.cpu_per_request(n) for s in slices[n]) for n in HANDLERS}
        failed = sum(s.failed for n in HANDLERS for s in slices[n])
        print(
            f"{rate:>7.0f} {ms(med['floor']):>10} {ms(med['notion_webhook']):>9}"
            f" {r.p99.median:>7.3f} [{r.p99.lo:.3f}-{r.p99.hi:.3f}]"
            f" {ms(cpu['floor']):>10} {ms(cpu['notion_webhook']):>9}"
            f" {r.cpu.median:>7.3f} [{r.cpu.lo:.3f}-{r.cpu.hi:.3f}]"
            f" {r.emulators_cpu.median:>7.3f} [{r.emulators_cpu.lo:.3f}-{r.emulators_cpu.hi:.3f}] {failed:>7}"
        )
    print(
        "(p99 and CPU: medians over the slices, ms; CPU = user + system per request of the handler's "
        "processes; ratios: medians of the pairs' ratios; emulators: their CPU per request, ratio)"
    )
    rate = max(results)
    for name, knee in knees.items():
        if knee.rate < rate:
            print(
                f"{name}'s knee ({knee.rate:.0f}/s) came out below {rate:.0f}/s: its ratios include queueing"
            )
    headline = results[rate][0]
    if headline.dropped:
        print(f"{headline.dropped} pairs at {rate:.0f}/s had no p99 (over 1 % failed) and are left out")
    print(
        f"goal p99_ratio <= {GOAL_P99_RATIO} at {rate:.0f}/s: {verdict(headline.p99, GOAL_P99_RATIO)}"
        f"; logs in {workdir / 'logs'}"
    )
    print(
        f"RESULT {headline.p99.fields('p99_ratio')} {headline.cpu.fields('cpu_ratio')} rate={rate:.1f}"
        f" max_rate={knees['notion_webhook'].rate:.1f} floor_max_rate={knees['floor'].rate:.1f}"
    )
    # A goal the interval says is missed fails the run; an inconclusive one is printed as such.
    return exit_status([verdict(headline.p99, GOAL_P99_RATIO)])


if __name__ == "__main__":
    sys.exit(main())
