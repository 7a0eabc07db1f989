"""Cold-start guard (``make bench-coldstart``): each function's cold request, start to first answer,
against the same function of the previous release, measured side by side in one run.

The baseline tree (``--baseline``, ``make bench-coldstart BASE=<commit>``; else the last tag, the
previous release; else, while the repository has no tag, the parent of the commit that added
decision 0039, before the cold paths moved off pydantic: :func:`default_baseline`) is read out of
git (``git archive``) into a temporary directory, staged as
``make package`` would ship it and given a runtime environment of its own, built from its own
``uv.lock`` (``uv export``, the archive's requirements only, as Cloud Functions installs them). Then
``tests/perf/coldstart/cold_request.py`` times both trees' functions alternately against the same backends:
the median time to the first answer of each, and the paired ratio this tree / baseline with its
interval (``tests.perf.stats``; more rounds while the interval straddles 1.2, ``--looks``).

Goals, all in seconds a person would feel or in "hardly slower than the previous release":
- every function's cold request at most ``NOT_SLOWER`` (1.2) times the baseline's: missed only when
  the whole interval of the ratio is above it (slower beyond the machine's noise); a straddling
  interval is printed as inconclusive;
- notion-webhook's cold request answered in under ``GOAL_WEBHOOK_S`` (Notion's delivery waits on it);
- api's ``GET /runs`` (a console page's first data) answered in under ``GOAL_API_S``.
The absolute goals take the median of this tree's runs (the slowest is printed beside it). The last
line is ``RESULT notion_webhook_s=<float> api_s=<float> max_ratio=<float> max_ratio_ci=<lo>-<hi>``;
the run exits 1 when a goal is missed (``stats.exit_status``). Why: decision 0059.

``preloaded_ports`` and ``client_libraries`` say what a target preloads (read by
``tests/unit/platform/entry/test_import_hygiene.py``).
"""

import argparse
import ast
import compileall
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import TypeIs

from shared import bootstrap
from tests.perf.backends import Backends
from tests.perf.coldstart.cold_request import COLD_TARGETS, NOT_SLOWER, ColdRow, Side, measure
from tests.perf.stats import LOOKS, exit_status, look_confidence, under, verdict, verdict_of_all
from tools.package import export_requirements, source_files

ROOT = Path(__file__).resolve().parents[3]
UV = ROOT / ".tools" / "bin" / "uv"

CLIENT_LIBRARIES = bootstrap.CLIENT_LIBRARIES
# The decision whose adding commit's parent is the baseline: the tree before the cold-path work.
BASELINE_DECISION = "docs/decisions/0039-step-functions-keep-pydantic-at-a-cold-start-s-cost.md"
GOAL_WEBHOOK_S = 1.0
GOAL_API_S = 1.5
ROUNDS = 11


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


def stage(directory: Path, root: Path = ROOT) -> None:
    """Write the files ``make package`` ships (without requirements.txt) of the tree at ``root`` into
    ``directory``, with their bytecode: a start never compiles our modules, as none compiles the
    libraries (pip compiles them)."""
    for name, path in source_files(root):
        dest = directory / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
    if not compileall.compile_dir(directory, quiet=1):
        raise SystemExit(f"the staged source in {directory} does not compile")


def baseline_commit(root: Path = ROOT) -> str:
    """The parent of the commit that added ``BASELINE_DECISION``."""
    added = _git(root, "log", "--diff-filter=A", "--format=%H", "--", BASELINE_DECISION).split()
    if not added:
        raise SystemExit(f"no commit adds {BASELINE_DECISION}: is this a full clone?")
    return _git(root, "rev-parse", f"{added[-1]}^").strip()


def default_baseline(root: Path = ROOT) -> str:
    """The commit to compare with when none is named: the last tag before HEAD (the previous
    release), else :func:`baseline_commit`."""
    tag = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if tag.returncode == 0 and tag.stdout.strip():
        return _git(root, "rev-parse", f"{tag.stdout.strip()}^{{commit}}").strip()
    return baseline_commit(root)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def baseline_side(workdir: Path, commit: str, uv: str, python: str, root: Path = ROOT) -> Side:
    """The tree at ``commit`` staged in ``workdir``, with a runtime environment of its own built by
    ``uv`` from its ``uv.lock`` (interpreter: the one ``python`` names)."""
    tree, source, venv = workdir / "baseline-tree", workdir / "baseline", workdir / "baseline-venv"
    archive = subprocess.run(["git", "archive", commit], cwd=root, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    source.mkdir()
    stage(source, tree)
    (workdir / "baseline-requirements.txt").write_bytes(export_requirements(uv, tree))
    base = subprocess.run(
        [python, "-c", "import sys; print(sys.base_prefix)"], check=True, capture_output=True, text=True
    ).stdout.strip()
    interpreter = str(Path(base) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
    subprocess.run([uv, "venv", "--quiet", "--python", interpreter, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"),
         "-r", str(workdir / "baseline-requirements.txt")],
        check=True,
    )  # fmt: skip
    return Side("baseline", source, str(venv / "bin" / "python"))


def goals(rows: list[ColdRow]) -> dict[str, str]:
    """Each goal the run prints, and its verdict."""
    by_target = {row.target: row for row in rows}

    def absolute(target: str, limit: float) -> str:
        return under(by_target[target].current_s, limit) if target in by_target else "not measured"

    return {
        f"every cold request at most {NOT_SLOWER} times the baseline's (ratio <= {NOT_SLOWER})": verdict_of_all(
            [row.ratio for row in rows], NOT_SLOWER
        )
        if rows
        else "not measured",
        f"notion_webhook's cold request < {GOAL_WEBHOOK_S} s": absolute("notion_webhook", GOAL_WEBHOOK_S),
        f"api's GET /runs cold < {GOAL_API_S} s": absolute("api", GOAL_API_S),
    }


def report(rows: list[ColdRow], looks: int, baseline: str) -> int:
    """Print the table, the goals and the RESULT line; the exit status (1: a goal missed)."""
    ci = f"ratio [{look_confidence(looks):.1%} CI]"
    print(
        f"{'cold request':<16}{'this s':>8}{'before s':>10}{ci:>26}{'rounds':>8}  {'verdict':<14}"
        f"{'slowest s':>10}{'cpu s':>7}{'before':>8}"
    )
    for row in rows:
        r = row.ratio
        print(
            f"{row.target:<16}{row.current_s:>8.3f}{row.baseline_s:>10.3f}{r.median:>12.3f} "
            f"[{r.lo:.3f}-{r.hi:.3f}]{r.n:>8}  {verdict(r, NOT_SLOWER):<14}{row.current_max_s:>10.3f}"
            f"{row.current_cpu_s:>7.3f}{row.baseline_cpu_s:>8.3f}"
        )
    print(
        f"(process start to the first request's answer, this tree and the baseline tree "
        f"({baseline[:12]}) alternately: medians; ratio: median of the rounds' paired ratios, this / "
        "before; cpu: user + system of each side's processes until the answer)"
    )
    verdicts = goals(rows)
    for goal, said in verdicts.items():
        print(f"goal: {goal}: {said}")
    by_target = {row.target: row for row in rows}
    nan = float("nan")
    fields = [
        f"notion_webhook_s={by_target['notion_webhook'].current_s if 'notion_webhook' in by_target else nan:.3f}",
        f"api_s={by_target['api'].current_s if 'api' in by_target else nan:.3f}",
    ]
    if rows:
        fields.append(max((row.ratio for row in rows), key=lambda e: e.median).fields("max_ratio"))
    load = os.getloadavg()
    print(f"(the machine's load average over 1, 5 and 15 min: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f})")
    print("RESULT " + " ".join(fields), flush=True)
    return exit_status(list(verdicts.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold requests of this tree against the previous release's.")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per batch and target (>= 3)")
    parser.add_argument(
        "--looks", type=int, default=LOOKS, help="batches at most, another while a ratio straddles 1.2 (>= 1)"
    )
    parser.add_argument(
        "--python", type=os.path.abspath, default=sys.executable, help="this tree's runtime interpreter"
    )
    parser.add_argument(
        "--baseline", default="", help="the commit to compare with (default: the last tag, else before 0039)"
    )
    parser.add_argument("--uv", default=str(UV), help="uv, to build the baseline's runtime environment")
    parser.add_argument("--target", action="append", choices=COLD_TARGETS, help="only these targets")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    if args.looks < 1:
        parser.error("--looks must be at least 1")
    commit = (
        _git(ROOT, "rev-parse", f"{args.baseline}^{{commit}}").strip()
        if args.baseline
        else default_baseline()
    )
    targets = tuple(args.target or COLD_TARGETS)
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        workdir = Path(tmp)
        source = workdir / "source"
        source.mkdir()
        stage(source)
        current = Side("current", source, args.python)
        baseline = baseline_side(workdir, commit, args.uv, args.python)
        backends = Backends(workdir, args.python)
        rows = []
        try:
            backends.start()
            for target in targets:
                rows.append(measure(backends, current, baseline, target, args.rounds, args.looks))
                print(f"  measured {target} ({rows[-1].ratio.n} rounds)", file=sys.stderr, flush=True)
        finally:
            backends.stop()
    return report(rows, args.looks, commit)


if __name__ == "__main__":
    sys.exit(main())
