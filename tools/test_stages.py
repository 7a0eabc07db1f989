"""`make test`'s pipeline: its stages as make targets in two lanes on a 2-core machine, timed.

Usage (the Makefile's `test` target): python tools/test_stages.py --make make [--lanes 1] lint typecheck pytest ...

The installs (uv, the venvs, npm ci and the console's build, Debian's headless Chromium, the red team's corpus,
the providers' schemas) start at once and overlap each other and the first checks: they wait on the
network and the disk, not the CPU. Then two lanes share the two cores: the main lane runs `pytest`
(its own xdist workers and the red team's process) and then `check-indexes`, which reads what it
recorded; the side lane runs every other check given, in the order given, each once what it needs
is installed, two at a time: its first (the longest) and the others one after another beside it,
filling what the two long stages leave of the cores. With ``--lanes 1`` every
check is in the main lane, one after another in the order given (the installs still overlap). Each
stage is one `make <target>` in its own process group; its output goes to build/stages/<stage>.log
and is printed whole, under a heading, when the stage ends, so that two stages' lines never
interleave and a failure's output is never only in a file.

Any stage failing fails the pipeline (exit 1); a stage whose prerequisite failed is not run and is
listed as skipped. The end is a table: each stage's wall seconds and CPU seconds (its process and
every descendant it waited for, from wait4's rusage), then the total wall time, then what each
pytest stage spent them on: its slowest test files, from the ``--durations`` list every pytest of a
stage prints (``PYTEST_ADDOPTS``), and its costliest in CPU seconds, from the ``cpu s by test file``
line each ends with (tests/conftest.py). Interrupted, it stops every running stage's process group.
Standard library only: it runs before any venv exists.
"""

import argparse
import contextlib
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = Path("build") / "stages"  # under the directory make runs in

# Installs: stage -> (its make target, the stages it needs). They run outside the lanes.
INSTALLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "uv": ("uv", ()),
    "venv": ("venv", ("uv",)),
    "redteam-corpus": ("redteam-corpus", ("uv",)),
    "infra-venv": ("infra-setup", ("venv",)),
    "web": ("web", ()),
    "headless-chromium": ("headless-chromium", ()),
}
# What each known check needs besides the venv; a check not listed needs only the venv.
NEEDS: dict[str, tuple[str, ...]] = {
    "pytest": ("redteam-corpus",),
    "check-indexes": ("pytest",),
    "infra-tests": ("infra-venv",),
    "web-check": ("web", "headless-chromium"),
}
MAIN_LANE = ("pytest", "check-indexes")
# The side lane's first check runs beside its others (ready): pytest and web-check each wait on
# emulators, stacks and browsers (CI of 2026-11-29: pytest 1,617 CPU s in 1,708 s, web-check 1,199 in
# 1,645), and the short checks fill that idle time where after web-check they added ~230 s (0222).
# The web stage built web/dist: web-check only checks it is there, never rebuilds it while the main
# lane's stacks serve it.
MAKE_ARGS: dict[str, tuple[str, ...]] = {"web-check": ("WEB_PREBUILT=1",)}


STOP_GRACE_S = 60.0
# Each pytest of a stage lists its DURATIONS slowest test phases (setup, call, teardown); the end of
# the run sums them by test file, SLOWEST_FILES of them per stage.
DURATIONS = 15
SLOWEST_FILES = 3
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s +(?:setup|call|teardown) +([^\s:]+)::", re.M)
# Each pytest of a stage (tests/conftest.py) ends with its costliest files in CPU seconds (its process
# and the children it reaped: stacks, emulators, browsers); the end of the run sums them by file.
_CPU_LINE = re.compile(r"^cpu s by test file: total \d+; (.*)$", re.M)
_CPU_FILE = re.compile(r"(\S+) (\d+)(?:, |$)")


@dataclass
class Stage:
    name: str
    target: str
    needs: tuple[str, ...]
    lane: str  # "install", "main" or "side"
    status: str = "waiting"  # waiting, running, passed, failed, skipped
    started: float = 0.0
    wall: float = 0.0
    cpu: float = 0.0
    pid: int = 0
    # Held for the stage's life: a Popen collected while its child runs is reaped by subprocess itself,
    # and wait4 would then miss it.
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(default_factory=Path)
    slowest: list[tuple[str, float]] = field(default_factory=list)  # (test file, seconds), from its log
    costliest: list[tuple[str, float]] = field(default_factory=list)  # (test file, CPU seconds), its log


def plan(checks: list[str], lanes: int = 2) -> list[Stage]:
    """The stages for these checks (make targets), in the order the lanes take them: in two lanes
    (MAIN_LANE's and the others), or all in one when ``lanes`` is 1."""
    stages = [Stage(name, target, needs, "install") for name, (target, needs) in INSTALLS.items()]
    for check in checks:
        lane = "main" if check in MAIN_LANE or lanes == 1 else "side"
        stages.append(Stage(check, check, ("venv", *NEEDS.get(check, ())), lane))
    names = {s.name for s in stages}
    for stage in stages:
        stage.needs = tuple(n for n in stage.needs if n in names)  # check-indexes without pytest: alone
    return stages


def ready(stage: Stage, by_name: dict[str, Stage], stages: list[Stage]) -> bool:
    """Whether the stage may start now: all it needs passed, no earlier stage of its lane still to
    start (a lane keeps the given order) and its lane free. The side lane's first check (the longest)
    has a core of its own: the others run one after another beside it, filling what the two long
    stages leave idle instead of running after them, and two at once when the main lane is done."""
    if any(by_name[n].status != "passed" for n in stage.needs):
        return False
    if stage.lane == "install":
        return True
    before = stages[: stages.index(stage)]
    if any(s.lane == stage.lane and s.status == "waiting" for s in before):
        return False
    lane = [s for s in stages if s.lane == stage.lane]
    running = [s for s in lane if s.status == "running"]
    if stage.lane != "side" or stage is lane[0]:
        return not running
    others = [s for s in running if s is not lane[0]]  # the short ones: one at a time beside the first
    main_left = any(s.lane == "main" and s.status in ("waiting", "running") for s in stages)
    return not others or (not main_left and len(running) < 2)


def start(stage: Stage, make: str, root: Path) -> None:
    stage.log = root / LOG_DIR / f"{stage.name}.log"
    stage.log.parent.mkdir(parents=True, exist_ok=True)
    with stage.log.open("wb") as out:
        stage.process = subprocess.Popen(
            [make, "--no-print-directory", stage.target, *MAKE_ARGS.get(stage.name, ())],
            cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=stage_env(os.environ),
        )  # fmt: skip
    stage.pid = stage.process.pid
    stage.status, stage.started = "running", time.monotonic()
    print(f"=== {stage.name}: started (make {stage.target})", flush=True)


def stage_env(environ: Mapping[str, str]) -> dict[str, str]:
    """A stage's environment: this one, each pytest in it asked for its slowest test phases."""
    addopts = f"{environ.get('PYTEST_ADDOPTS', '')} --durations={DURATIONS}".strip()
    return {**environ, "PYTEST_ADDOPTS": addopts}


def slowest_files(log: str, n: int = SLOWEST_FILES) -> list[tuple[str, float]]:
    """The ``n`` test files whose phases in the ``--durations`` lists of ``log`` sum the most seconds
    (a module's fixtures count in its first test's setup), most first."""
    seconds: dict[str, float] = {}
    for spent, path in _DURATION.findall(log):
        seconds[path] = seconds.get(path, 0.0) + float(spent)
    return sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def costliest_files(log: str, n: int = SLOWEST_FILES) -> list[tuple[str, float]]:
    """The ``n`` test files whose CPU seconds on the ``cpu s by test file`` lines of ``log`` sum the
    most, most first (decision 0209)."""
    seconds: dict[str, float] = {}
    for files in _CPU_LINE.findall(log):
        for path, spent in _CPU_FILE.findall(files):
            seconds[path] = seconds.get(path, 0.0) + float(spent)
    return sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def finish(stage: Stage, status: int, usage: resource.struct_rusage, root: Path) -> None:
    stage.wall = time.monotonic() - stage.started
    stage.cpu = usage.ru_utime + usage.ru_stime
    code = os.waitstatus_to_exitcode(status)
    if stage.process is not None:
        stage.process.returncode = code  # reaped here, by wait4
    stage.status = "passed" if code == 0 else "failed"
    sys.stdout.write(f"=== {stage.name}: {stage.status} in {stage.wall:.0f} s (exit {code}); its output:\n")
    output = stage.log.read_text(errors="replace")
    stage.slowest, stage.costliest = slowest_files(output), costliest_files(output)
    sys.stdout.write(output)
    sys.stdout.write(f"=== end of {stage.name} ({stage.log.relative_to(root)})\n")
    sys.stdout.flush()


def skip_unreachable(stages: list[Stage], by_name: dict[str, Stage]) -> None:
    changed = True
    while changed:
        changed = False
        for stage in stages:
            if stage.status == "waiting" and any(
                by_name[n].status in ("failed", "skipped") for n in stage.needs
            ):
                stage.status, changed = "skipped", True
                print(f"=== {stage.name}: skipped, as {', '.join(stage.needs)} did not all pass", flush=True)


def table(stages: list[Stage], total: float) -> str:
    lines = [f"{'stage':<16} {'status':<8} {'wall s':>7} {'cpu s':>7}"]
    for s in stages:
        lines.append(f"{s.name:<16} {s.status:<8} {s.wall:>7.0f} {s.cpu:>7.0f}")
    cpu = sum(s.cpu for s in stages)
    lines.append(f"{'total':<16} {'':<8} {total:>7.0f} {cpu:>7.0f}")
    timed = [s for s in stages if s.slowest]
    if timed:
        lines.append(f"slowest test files of each stage (its pytests' {DURATIONS} slowest phases, summed):")
    for s in timed:
        lines.append(f"{s.name:<16} " + ", ".join(f"{path} {spent:.0f} s" for path, spent in s.slowest))
    costly = [s for s in stages if s.costliest]
    if costly:
        lines.append("costliest test files of each stage in CPU seconds (each test's process and children):")
    for s in costly:
        lines.append(f"{s.name:<16} " + ", ".join(f"{path} {spent:.0f} s" for path, spent in s.costliest))
    return "\n".join(lines)


def interrupt(stages: list[Stage]) -> None:
    """Interrupt each stage's process group as Ctrl-C would (pytest then stops its stacks), then kill
    what is left after STOP_GRACE_S."""
    for stage in stages:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stage.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_S
    for stage in stages:
        if stage.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
                stage.process.wait(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stage.pid, signal.SIGKILL)


def run(stages: list[Stage], make: str, root: Path = ROOT) -> int:
    """Run the stages with make in root; 0 when every one passed."""
    by_name = {s.name: s for s in stages}
    running: dict[int, Stage] = {}

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    began = time.monotonic()
    try:
        while True:
            skip_unreachable(stages, by_name)
            for stage in stages:
                if stage.status == "waiting" and ready(stage, by_name, stages):
                    start(stage, make, root)
                    running[stage.pid] = stage
            if not running:
                break
            pid, status, usage = os.wait4(-1, 0)
            if pid in running:
                finish(running.pop(pid), status, usage, root)
    finally:
        interrupt(list(running.values()))  # stopped or broken (a closed pipe): no stage outlives it
    total = time.monotonic() - began
    failed = [s.name for s in stages if s.status != "passed"]
    print("make test: wall and CPU seconds of each stage (CPU: the stage and all it waited for)")
    print(table(stages, total), flush=True)
    if failed:
        print(f"make test: FAILED: {', '.join(failed)} (outputs above; logs in build/stages/)", flush=True)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--make", default="make", help="the make to run each stage with")
    parser.add_argument(
        "--lanes", type=int, choices=(1, 2), default=2, help="2: two lanes side by side; 1: one at a time"
    )
    parser.add_argument(
        "checks", nargs="+", help="the checks' make targets, in the order the lanes take them"
    )
    args = parser.parse_args()
    return run(plan(args.checks, args.lanes), args.make)


if __name__ == "__main__":
    sys.exit(main())
