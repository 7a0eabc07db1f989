"""make test's pipeline (tools/test_stages.py) on a scratch Makefile: the lanes' order, overlap and
prerequisites, a failure's output shown and its dependents skipped, the table of times."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools import test_stages

CHECKS = ["lint", "typecheck", "check-roles", "infra-tests", "web-check", "pytest", "check-indexes"]
# Each target notes when it starts and ends in events.txt; pytest lasts until the side lane's last
# check has ended (20 s at most), so that the side lane runs beside it however loaded the machine.
MAKEFILE = """\
%:
\t@echo "start $@" >> events.txt; echo "output of $@"; sleep 0.1
\t@$(if $(filter pytest,$@),for i in $$(seq 400); do grep -q "end web-check" events.txt && break; sleep 0.05; done)
\t@echo "end $@" >> events.txt
"""
FAILING = "\nlint:\n\t@echo 'start lint' >> events.txt; echo 'E501 line too long'; exit 3\n"


def _run(tmp_path: Path, makefile: str, lanes: int = 2) -> tuple[int, list[str]]:
    (tmp_path / "Makefile").write_text(makefile)
    make = shutil.which("make")
    assert make
    code = test_stages.run(test_stages.plan(CHECKS, lanes), make, tmp_path)
    return code, (tmp_path / "events.txt").read_text().splitlines()


def test_lanes_keep_their_order_and_run_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, events = _run(tmp_path, MAKEFILE)
    assert code == 0
    started = [e.split()[1] for e in events if e.startswith("start ")]
    installs = [target for target, _needs in test_stages.INSTALLS.values()]
    assert sorted(started) == sorted([*installs, *CHECKS])  # each stage once
    side = [c for c in started if c in ("lint", "typecheck", "check-roles", "infra-tests", "web-check")]
    assert side == ["lint", "typecheck", "check-roles", "infra-tests", "web-check"]
    assert started.index("venv") > started.index("uv") and events.index("end venv") < events.index(
        "start pytest"
    )
    assert events.index("end web") < events.index("start web-check")
    assert events.index("end chromium") < events.index("start web-check")
    assert events.index("end infra-setup") < events.index("start infra-tests")
    assert events.index("end redteam-corpus") < events.index("start pytest")
    assert events.index("end pytest") < events.index("start check-indexes")
    # The side lane ran while pytest did: lint began before pytest ended.
    assert events.index("start lint") < events.index("end pytest")
    # One at a time in each lane.
    for one, two in [("lint", "typecheck"), ("typecheck", "check-roles"), ("infra-tests", "web-check")]:
        assert events.index(f"end {one}") < events.index(f"start {two}")
    out = capsys.readouterr().out
    assert "output of typecheck" in out and "=== end of typecheck (build/stages/typecheck.log)" in out
    table = out[out.index("stage            status") :].splitlines()
    assert [line.split()[0] for line in table[1:-1]] == [*test_stages.INSTALLS, *CHECKS]
    assert all(line.split()[1] == "passed" for line in table[1:-1])
    assert table[-1].split()[0] == "total" and float(table[-1].split()[1]) >= 0.5  # five 0.1 s checks


def test_in_one_lane_the_checks_run_one_after_another_in_the_given_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, events = _run(tmp_path, MAKEFILE, lanes=1)
    assert code == 0
    checks = [e for e in events if e.split()[1] in CHECKS]
    assert checks == [f"{edge} {check}" for check in CHECKS for edge in ("start", "end")]
    table = capsys.readouterr().out.split("stage            status")[1].splitlines()
    assert [line.split()[0] for line in table[1:-1]] == [*test_stages.INSTALLS, *CHECKS]


def test_once_the_main_lane_is_done_the_side_lane_runs_two_checks_at_once(tmp_path: Path) -> None:
    long_side = MAKEFILE.replace("$(filter pytest,$@)", "$(filter check-roles infra-tests,$@)")
    code, events = _run(tmp_path, long_side)
    assert code == 0
    assert events.index("end check-indexes") < events.index("end check-roles")
    # check-roles and infra-tests, both long, ran side by side on the main lane's core; web-check
    # waited for one of them to end.
    assert events.index("start infra-tests") < events.index("end check-roles")
    ended = min(events.index("end check-roles"), events.index("end infra-tests"))
    assert events.index("start web-check") > ended


def test_a_failure_fails_the_pipeline_shows_its_output_and_skips_what_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, events = _run(tmp_path, MAKEFILE + FAILING.replace("lint", "pytest"))
    assert code == 1
    assert "start check-indexes" not in events  # it reads what pytest recorded
    assert "end web-check" in events  # the other lane went on
    out = capsys.readouterr().out
    assert "=== pytest: failed" in out and "E501 line too long" in out
    assert "=== check-indexes: skipped" in out
    assert "make test: FAILED: pytest, check-indexes" in out


def test_stopped_it_stops_every_running_stage(tmp_path: Path) -> None:
    """A SIGTERM (CI's cancel): no stage's processes outlive the pipeline."""
    slow = '\npytest:\n\t@echo "start pytest $$$$" >> events.txt; sleep 300\n'
    (tmp_path / "Makefile").write_text(MAKEFILE + slow)
    code = (
        "import os, sys; from pathlib import Path; from tools import test_stages; "
        "sys.exit(test_stages.run(test_stages.plan(sys.argv[1:]), 'make', Path(os.environ['STAGES_ROOT'])))"
    )
    runner = subprocess.Popen(
        [sys.executable, "-c", code, *CHECKS],
        cwd=test_stages.ROOT, env=os.environ | {"STAGES_ROOT": str(tmp_path)}, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    events = tmp_path / "events.txt"
    deadline = time.monotonic() + 30
    while "start pytest" not in (events.read_text() if events.exists() else ""):
        assert time.monotonic() < deadline, "pytest's stage never started"
        time.sleep(0.1)
    shell = int(next(e for e in events.read_text().splitlines() if e.startswith("start pytest")).split()[2])
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=30) == 128 + signal.SIGTERM
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(shell, 0)
