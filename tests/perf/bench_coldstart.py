"""Cold-start benchmark: each target's import time against its floor (``make bench-coldstart``).

A target's import is what functions-framework does at a cold start before the first request: import
itself, import ``main`` from the deployed source and look the target up. Its floor is a fresh process
importing functions_framework plus exactly the client libraries of the ports the target preloads
(``bootstrap.preload(...)`` in ``functions/<target>.py``, read from the source, mapped through
``bootstrap.CLIENT_LIBRARIES``). Everything else the target pays for (pydantic, our own modules) is
overhead the ratio shows. ``main`` loads a target with the cyclic garbage collector paused and then
freezes what loaded (``main.paused_collector``: a real cold start is 5-15 % shorter for it), so the
floor loads its libraries inside the same ``paused_collector``: both sides are loaded alike and the
ratio still shows only what is not a client library.

Moving work from import to the first request lowers the ratio without shortening a cold start (the
first request waits for both). Two such moves are deliberate, each of code that a request may not
run: our pydantic models build their validators on first use (``shared.domain.schema.Schema``),
because a target imports dozens of models and a request uses a few; and ``api`` loads the adapters
only some routes use with the first request of such a route (``preload(..., adapters=...)``). So
that this hides nothing, the table also shows, for information, each target's import followed by all
of that: every adapter module of its ports, then every model built (``+all s``): the most its
requests can ever add, reached only by an instance that serves every kind of request.

Each run is a fresh interpreter started in a directory holding the files ``make package`` would
ship; it reports the time of its imports (interpreter start-up, the same for both, is left out).
Times are wall clock, and on these 2-core machines one import of the same modules varies by ±15 %
from run to run (measured: the floor alone 0.42 to 0.61 s within a minute; on 2026-11-23, 80 runs of
notion_webhook's floor had a coefficient of variation of 0.12), only partly a drift of the machine's
speed over seconds (successive floors correlate at 0.29, a target and the floor of its round at 0.39).
So the runs are paired: each of ``--rounds`` rounds (default 41) runs the target and its floor back to
back (in alternating order), and a ratio is the median of the rounds' ratios (``tests.perf.stats``), in
which the drift cancels. The two columns for information (``+pydantic``, ``+all``) are measured in
every other round only, paired with that round's target or floor. Measured on api, nine repeats of 21 rounds: the
median of the rounds' ratios had a standard deviation of 0.024 (range 0.07), the ratio of the two
medians (this benchmark's earlier estimator) 0.056 (range 0.18); both centred on 1.22. Drawn from
the 80 notion_webhook rounds above, the median of 21 rounds had a standard deviation of 0.034 and of
41 rounds 0.019: hence the default of 41 (``max_ratio``, the largest of seven noisy ratios, is biased
upwards by their spread). A target whose interval straddles the goal gets another batch of rounds,
three at most, each interval then at 98.3 % (``--looks``, decision 0041). The import and floor
columns are medians of the times. The last line is
``RESULT max_ratio=<float> notion_webhook_s=<float> cold_request_max_ratio=<float>
cold_request_cpu_max_ratio=<float>`` (each ratio with its ``_ci``); goals: max_ratio <= 1.2,
notion_webhook_s <= 0.6, cold_request_max_ratio <= 1.2. The cold request's CPU ratio, and its ratio
to a floor loading pydantic (``+pydantic``, as for the import), are information.
"""

import argparse
import ast
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TypeIs

from functions.main import TARGETS
from shared import bootstrap
from tests.perf.backends import Backends
from tests.perf.cold_request import FLOOR_OF, PYDANTIC, ColdRow, measure
from tests.perf.stats import (
    CONFIDENCE,
    LOOKS,
    Estimate,
    look_confidence,
    paired_estimate,
    paired_ratio,
    until_conclusive,
    verdict,
    verdict_of_all,
)
from tools.package import source_files

ROOT = Path(__file__).resolve().parents[2]

CLIENT_LIBRARIES = bootstrap.CLIENT_LIBRARIES
FRAMEWORK = "functions_framework"
GOAL_MAX_RATIO = 1.2
GOAL_NOTION_WEBHOOK_S = 0.6
GOAL_COLD_REQUEST_RATIO = 1.2
# Intervals were up to 0.115 wide at 9 rounds and up to 0.17 at 15: too wide for a verdict against 1.2
COLD_ROUNDS = 25

_CHILD = """\
import importlib, sys, time
start = time.perf_counter()
build = sys.argv[2] == "build"
importlib.import_module(sys.argv[3])  # functions_framework, which the runtime imports first
if sys.argv[1]:
    getattr(importlib.import_module("main"), sys.argv[1])
else:  # the floor: its libraries loaded the way main loads a target's
    from main import paused_collector
    with paused_collector():
        for name in sys.argv[4:]:
            importlib.import_module(name)
if build:  # what its requests may load later: every adapter of its ports, every route, every model
    from shared import bootstrap
    for port in sys.argv[4:]:
        importlib.import_module(bootstrap._MODULES[port])
    from pydantic import BaseModel, TypeAdapter
    pending = [BaseModel]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            if model.__module__.startswith(("shared.", "functions.")):
                model.model_rebuild()
    for name, module in list(sys.modules.items()):
        if name.startswith(("shared.", "functions.")):
            for value in list(vars(module).values()):
                if isinstance(value, TypeAdapter):
                    value.rebuild()
print(time.perf_counter() - start)
"""


def preloaded_ports(target: str, root: Path = ROOT) -> tuple[str, ...]:
    """The ports ``functions/<target>.py`` passes to ``preload(...)``, read from its source."""
    tree = ast.parse((root / "functions" / f"{target}.py").read_text())
    ports: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "preload":
                for arg in node.args:
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        raise ValueError(f"functions/{target}.py: preload() takes literal port names")
                    ports.append(arg.value)
    return tuple(ports)


def _is_port(name: str) -> TypeIs[bootstrap.Port]:
    return name in bootstrap.PORTS


def _libraries_of(port: str) -> tuple[str, ...]:
    assert _is_port(port), f"preload() names {port!r}, which is not a port"
    return CLIENT_LIBRARIES[port]


def client_libraries(target: str, root: Path = ROOT) -> tuple[str, ...]:
    """The client libraries of the target's ports, each once: what it preloads."""
    libraries = [lib for port in preloaded_ports(target, root) for lib in _libraries_of(port)]
    return tuple(dict.fromkeys(libraries))


def floor_modules(target: str, root: Path = ROOT) -> tuple[str, ...]:
    """functions_framework plus the client libraries of the target's ports."""
    return (FRAMEWORK, *client_libraries(target, root))


def stage(directory: Path) -> None:
    """Write the files ``make package`` ships (without requirements.txt) into ``directory``, with their
    bytecode: a start never compiles our modules, as none compiles the libraries (pip compiles them)."""
    for name, path in source_files(ROOT):
        dest = directory / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
    if not compileall.compile_dir(directory, quiet=1):
        raise SystemExit(f"the staged source in {directory} does not compile")


def _time(python: str, cwd: Path, target: str, modules: tuple[str, ...], build: bool = False) -> float:
    result = subprocess.run(
        [python, "-c", _CHILD, target, "build" if build else "import", *modules],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{target or 'floor'} failed to import:\n{result.stderr}")
    return float(result.stdout.strip())


Row = tuple[str, str, float, float, float, float]  # target, libraries, import, floor, +pydantic, +all
# Per target: the paired ratio import/floor (with its interval), import/(floor + pydantic) and import
# with all/floor (medians).
Ratios = tuple[Estimate, float, float]


def bench(
    python: str, rounds: int, targets: tuple[str, ...], source: Path, looks: int = LOOKS
) -> list[tuple[Row, Ratios]]:
    """Target, floor and floor + pydantic runs interleaved (pydantic: every body is validated with it,
    by design, yet it is no client library; the extra column shows what is left that is our own), in
    batches of ``rounds``: another while the ratio's interval straddles the goal, ``looks`` at most."""
    return [_bench_target(python, rounds, target, source, looks) for target in targets]


def _bench_target(python: str, rounds: int, target: str, source: Path, looks: int) -> tuple[Row, Ratios]:
    floor = floor_modules(target)
    _time(python, source, target, (FRAMEWORK,))  # warm-up: writes our modules' bytecode
    kinds = {
        "t": (target, (FRAMEWORK,)),
        "f": ("", floor),
        "p": ("", (*floor, *PYDANTIC)),
        "s": (target, (FRAMEWORK, *preloaded_ports(target))),
    }
    measured: list[dict[str, float]] = []

    def batch() -> None:
        for i in range(len(measured), len(measured) + rounds):
            order = "tfps" if i % 2 == 0 else "tf"  # the columns for information: every other round
            if (i // 2) % 2:
                order = order[::-1]
            measured.append({k: _time(python, source, *kinds[k], build=k == "s") for k in order})

    def column(kind: str) -> list[float]:
        return [m[kind] for m in measured if kind in m]

    confidence = look_confidence(looks)
    ratio = until_conclusive(
        batch, lambda: paired_estimate(column("t"), column("f"), confidence), GOAL_MAX_RATIO, looks
    )
    t, f, p, s = (column(k) for k in "tfps")
    t_half, f_half = ([m[k] for m in measured if "p" in m] for k in "tf")
    imported, floored, with_pydantic, with_all = (statistics.median(x) for x in (t, f, p, s))
    libraries = ",".join(floor[1:]) or "-"
    print(f"  measured {target} ({ratio.n} rounds)", file=sys.stderr, flush=True)
    return (
        (target, libraries, imported, floored, with_pydantic, with_all),
        (ratio, paired_ratio(t_half, p), paired_ratio(s, f_half)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-start import time of every target vs its floor.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=41,
        help="rounds per target (>= 5): the target and its floor each round; median",
    )
    parser.add_argument(
        "--cold-rounds",
        type=int,
        default=COLD_ROUNDS,
        help="rounds of the cold request per target (>= 5; 0: not measured)",
    )
    parser.add_argument(
        "--python",
        type=os.path.abspath,
        default=sys.executable,
        help="interpreter whose site-packages to use",
    )
    parser.add_argument(
        "--looks",
        type=int,
        default=LOOKS,
        help="batches of rounds at most, another while a ratio's interval straddles its goal (>= 1)",
    )
    parser.add_argument("--target", action="append", choices=TARGETS, help="only these targets")
    args = parser.parse_args(argv)
    if args.rounds < 5:
        parser.error("--rounds must be at least 5 (a median of 5 or more)")
    if 0 < args.cold_rounds < 5:
        parser.error("--cold-rounds must be 0 or at least 5")
    if args.looks < 1:
        parser.error("--looks must be at least 1")
    targets = tuple(args.target or TARGETS)
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        stage(source)
        rows = bench(args.python, args.rounds, targets, source, args.looks)
        cold = (
            cold_requests(Path(tmp), source, targets, args.cold_rounds, args.python, args.looks)
            if args.cold_rounds
            else []
        )
    ci = f"ratio [{look_confidence(args.looks):.1%} CI]"
    print(
        f"{'target':<16}{'import s':>10}{'floor s':>10}{ci:>24}{'rounds':>8}{'+pydantic s':>13}{'ratio':>8}"
        f"{'+all s':>12}{'ratio':>8}  floor = functions_framework +"
    )
    for (target, libraries, imported, floor, with_pydantic, schemas), (r, rp, rs) in rows:
        print(
            f"{target:<16}{imported:>10.3f}{floor:>10.3f}{r.median:>10.3f} [{r.lo:.3f}-{r.hi:.3f}]{r.n:>8}"
            f"{with_pydantic:>13.3f}{rp:>8.3f}{schemas:>12.3f}{rs:>8.3f}  {libraries}"
        )
    print(
        f"(times: medians of the runs; ratios: medians of the rounds' paired ratios, {args.rounds} rounds, "
        f"then {args.rounds} more while the interval straddles the goal, {args.looks} batches at most: each "
        f"interval at {look_confidence(args.looks):.1%}, so that together they err at most "
        f"{1 - CONFIDENCE:.0%} of the time)"
    )
    worst = max((ratios[0] for _, ratios in rows), key=lambda e: e.median)
    max_ratio_pydantic = max(ratios[1] for _, ratios in rows)
    webhook = next((row[2] for row, _ in rows if row[0] == "notion_webhook"), float("nan"))
    max_ratio_schemas = max(ratios[2] for _, ratios in rows)
    print(f"with pydantic counted in the floor (information only): max_ratio={max_ratio_pydantic:.3f}")
    print(
        "import + every adapter, route and model its requests may load (information only): "
        f"max_ratio={max_ratio_schemas:.3f}"
    )
    imports = verdict_of_all([ratios[0] for _, ratios in rows], GOAL_MAX_RATIO)
    webhook_verdict = (
        "not measured"
        if "notion_webhook" not in targets
        else "met"
        if webhook <= GOAL_NOTION_WEBHOOK_S
        else "not met"
    )
    print(
        f"goals: max_ratio <= {GOAL_MAX_RATIO}: {imports}; "
        f"notion_webhook_s <= {GOAL_NOTION_WEBHOOK_S}: {webhook_verdict}"
    )
    result = f"RESULT {worst.fields('max_ratio')} notion_webhook_s={webhook:.3f}"
    verdicts = [imports, webhook_verdict]
    if cold:
        print(
            f"{'cold request':<16}{'target s':>10}{'floor s':>10}{ci:>24}{'rounds':>8}  {'verdict':<14}"
            f"{'cpu s':>7}{'floor':>7}{'cpu ' + ci:>28}{'+pydantic':>11}"
        )
        for row in cold:
            r, c = row.ratio, row.cpu
            print(
                f"{row.target:<16}{row.target_s:>10.3f}{row.floor_s:>10.3f}{r.median:>10.3f} [{r.lo:.3f}-{r.hi:.3f}]"
                f"{r.n:>8}  {verdict(r, GOAL_COLD_REQUEST_RATIO):<14}{row.target_cpu_s:>7.3f}{row.floor_cpu_s:>7.3f}"
                f"{c.median:>14.3f} [{c.lo:.3f}-{c.hi:.3f}]{row.pydantic_ratio:>11.3f}"
            )
        print(
            "(process start to the first request's answer, a floor doing the same request: medians; "
            f"ratios: medians of the rounds' paired ratios, in batches of {args.cold_rounds} as above; cpu: "
            "user + system of each "
            "side's processes until the answer, the work done, which waits and other load hardly move; "
            "+pydantic: the ratio to the floor loading pydantic at its start, every other round)"
        )
        print(
            "with pydantic counted in the floor (information only): cold_request_max_ratio="
            f"{max(row.pydantic_ratio for row in cold):.3f}"
        )
        cpu = verdict_of_all([row.cpu for row in cold], GOAL_COLD_REQUEST_RATIO)
        print(f"the same goal for the CPU time (information: the goal is the wall clock's): {cpu}")
        slowest = max((row.ratio for row in cold), key=lambda e: e.median)
        print(
            f"goal: cold_request_max_ratio <= {GOAL_COLD_REQUEST_RATIO}: "
            f"{verdict_of_all([row.ratio for row in cold], GOAL_COLD_REQUEST_RATIO)}"
        )
        result += " " + slowest.fields("cold_request_max_ratio")
        result += " " + max((row.cpu for row in cold), key=lambda e: e.median).fields(
            "cold_request_cpu_max_ratio"
        )
        verdicts.append(verdict_of_all([row.ratio for row in cold], GOAL_COLD_REQUEST_RATIO))
    print(result, flush=True)
    # A goal the interval says is missed fails the run; an inconclusive one is printed as such.
    return 1 if "not met" in verdicts else 0


def cold_requests(
    workdir: Path, source: Path, targets: tuple[str, ...], rounds: int, python: str, looks: int = LOOKS
) -> list[ColdRow]:
    """The cold request of each target that has one (``tests/perf/cold_request.py``), its functions
    and floors run by ``python``."""
    backends = Backends(workdir, python)
    try:
        backends.start()
        rows = []
        for target in (t for t in targets if t in FLOOR_OF):
            libraries = client_libraries(target)  # functions_framework is loaded by the runtime
            rows.append(measure(backends, source, target, libraries, rounds, GOAL_COLD_REQUEST_RATIO, looks))
            print(
                f"  measured the cold request of {target} ({rows[-1].ratio.n} rounds)",
                file=sys.stderr,
                flush=True,
            )
        return rows
    finally:
        backends.stop()


if __name__ == "__main__":
    sys.exit(main())
