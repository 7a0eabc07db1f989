"""make test's pipeline (tools/test_stages.py) on a scratch Makefile: the lanes' order, overlap and
prerequisites, a failure's output shown and its dependents skipped, the table of times."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tools import test_stages

CHECKS = ["web-check", "lint", "typecheck", "check-roles", "infra-tests", "pytest", "check-indexes"]
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
    # The order the lanes started them in, as the runner says it (two makes started together may
    # write their own first lines in either order on a loaded machine).
    out = capsys.readouterr().out
    said = re.findall(r"^=== (\S+): started", out, re.M)
    side = [c for c in said if c in ("lint", "typecheck", "check-roles", "infra-tests")]
    assert side == ["lint", "typecheck", "check-roles", "infra-tests"]
    assert started.index("venv") > started.index("uv") and events.index("end venv") < events.index(
        "start pytest"
    )
    assert events.index("end web") < events.index("start web-check")
    assert events.index("end headless-chromium") < events.index("start web-check")
    assert events.index("end infra-setup") < events.index("start infra-tests")
    assert events.index("end redteam-corpus") < events.index("start pytest")
    assert events.index("end pytest") < events.index("start check-indexes")
    # The side lane ran while pytest did: lint began before pytest ended.
    assert events.index("start lint") < events.index("end pytest")
    # The side lane's short checks one at a time beside its first: the test below.
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


def test_the_short_side_checks_run_one_after_another_beside_the_side_lane_s_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # web-check and pytest last until infra-tests, the side lane's last, has ended (20 s at most).
    long_first = MAKEFILE.replace("$(filter pytest,$@)", "$(filter pytest web-check,$@)").replace(
        "end web-check", "end infra-tests"
    )
    code, events = _run(tmp_path, long_first)
    assert code == 0
    started = re.findall(r"^=== (\S+): started", capsys.readouterr().out, re.M)
    side = ["web-check", "lint", "typecheck", "check-roles", "infra-tests"]
    assert [name for name in started if name in side] == side  # the first started first
    for short in side[1:]:
        assert events.index(f"end {short}") < events.index("end web-check")
    for one, two in [("lint", "typecheck"), ("typecheck", "check-roles"), ("check-roles", "infra-tests")]:
        assert events.index(f"end {one}") < events.index(f"start {two}")


def test_once_the_main_lane_is_done_the_side_lane_runs_two_checks_at_once(tmp_path: Path) -> None:
    # check-roles and infra-tests each last until both have started (20 s at most).
    both = 'test $$(grep -c "start check-roles\\|start infra-tests" events.txt) = 2'
    long_side = MAKEFILE.replace("$(filter pytest,$@)", "$(filter check-roles infra-tests,$@)").replace(
        'grep -q "end web-check" events.txt', both
    )
    code, events = _run(tmp_path, long_side)
    assert code == 0
    assert events.index("end check-indexes") < events.index("end check-roles")
    # Both long, they ran side by side on the main lane's core.
    assert events.index("start infra-tests") < events.index("end check-roles")


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


DURATIONS_LOG = """\
============================= slowest 15 durations =============================
40.12s setup    tests/e2e/test_smoke.py::test_the_stack_answers
12.50s call     tests/integration/engine/test_bench_engine_runs.py::test_bench
9.00s call     tests/e2e/test_smoke.py::test_a_run_ends
0.40s teardown tests/unit/test_docs.py::test_links
--- tests/redteam (REDTEAM=full), run alongside: build/redteam.log
============================= slowest 15 durations =============================
30.00s call     tests/redteam/engine/test_injection.py::test_page_text[case-1]
"""


def test_each_stage_s_pytest_lists_its_slowest_phases_and_the_table_names_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real pytest run as a stage: the stage's environment asks it for its durations, and the end of
    the run names its slowest file first."""
    (tmp_path / "test_slow.py").write_text("import time\n\ndef test_slow():\n    time.sleep(1.0)\n")
    (tmp_path / "test_quick.py").write_text("import time\n\ndef test_quick():\n    time.sleep(0.1)\n")
    pytest_rule = (
        f"\npytest:\n\t@{sys.executable} -m pytest -q -p no:cacheprovider test_slow.py test_quick.py\n"
    )
    (tmp_path / "Makefile").write_text("%:\n\t@echo $@\n" + pytest_rule)
    make = shutil.which("make")
    assert make
    stages = test_stages.plan(["lint", "pytest"])
    assert test_stages.run(stages, make, tmp_path) == 0
    [ran] = [s for s in stages if s.name == "pytest"]
    assert [path for path, _ in ran.slowest] == ["test_slow.py", "test_quick.py"]
    assert ran.slowest[0][1] >= 1.0
    out = capsys.readouterr().out
    table = out.split("make test: wall and CPU seconds", 1)[1]
    assert "slowest test files of each stage" in table
    assert re.search(r"\npytest +test_slow\.py \d+ s, test_quick\.py \d+ s\n", table)
    assert test_stages.stage_env({"PYTEST_ADDOPTS": "-x"})["PYTEST_ADDOPTS"] == "-x --durations=15"


CPU_LOG = """\
cpu s by test file: total 420; tests/web/api/test_schemathesis_roles.py 230, tests/web/code/test_console_person_ship.py 40
... 166 passed
--- tests/redteam (REDTEAM=full), run alongside: build/redteam.log
cpu s by test file: total 300; tests/redteam/engine/test_adversarial_engine.py 200, (session-teardown) 12
cpu s by test file: total 90; tests/web/code/test_console_person_ship.py 25
"""


@pytest.mark.parametrize(
    ("summed", "log", "costliest"),
    [
        (  # the slowest phases' wall seconds
            test_stages.slowest_files,
            DURATIONS_LOG,
            [
                ("tests/e2e/test_smoke.py", 49.12),
                ("tests/redteam/engine/test_injection.py", 30.0),
                ("tests/integration/engine/test_bench_engine_runs.py", 12.5),
            ],
        ),
        (  # the CPU seconds by file (tests/conftest.py)
            test_stages.costliest_files,
            CPU_LOG,
            [
                ("tests/web/api/test_schemathesis_roles.py", 230.0),
                ("tests/redteam/engine/test_adversarial_engine.py", 200.0),
                ("tests/web/code/test_console_person_ship.py", 65.0),
            ],
        ),
    ],
)
def test_each_file_s_seconds_are_summed_over_every_list_in_a_log(
    summed: Any, log: str, costliest: list[tuple[str, float]]
) -> None:
    assert summed(log) == costliest
    assert summed("3 passed in 0.1s\n") == []


BUSY = """\
import subprocess
import sys
import time

import pytest

BURN = "import sys, time; sum(i * i for i in range(30_000_000)); open(sys.argv[1], 'w').close(); time.sleep(600)"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    burnt = tmp_path_factory.mktemp("server") / "burnt"
    child = subprocess.Popen([sys.executable, "-c", BURN, str(burnt)])
    yield burnt
    child.kill()
    child.wait()


def test_busy(server):
    while not server.exists():
        time.sleep(0.05)
"""


def test_each_test_file_s_cpu_counts_what_children_spent_meanwhile_and_the_table_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real pytest run with this suite's conftest as a stage: a file whose test has a session's child
    process spend CPU (stopped only at the session's end) leads the line the run ends with, and the
    stage table names it with its seconds."""
    (tmp_path / "test_busy.py").write_text(BUSY)
    (tmp_path / "test_idle.py").write_text("def test_idle():\n    pass\n")
    root = Path(__file__).resolve().parents[2]
    pytest_rule = (
        f"\npytest:\n\t@cd {root} && {sys.executable} -m pytest -q -p no:cacheprovider -p tests.conftest "
        f"--rootdir {tmp_path} {tmp_path}/test_busy.py {tmp_path}/test_idle.py\n"
    )
    (tmp_path / "Makefile").write_text("%:\n\t@echo $@\n" + pytest_rule)
    make = shutil.which("make")
    assert make
    stages = test_stages.plan(["pytest"])
    assert test_stages.run(stages, make, tmp_path) == 0
    [ran] = [s for s in stages if s.name == "pytest"]
    assert [path for path, _ in ran.costliest][:1] == ["test_busy.py"], ran.costliest
    assert ran.costliest[0][1] >= 0.5  # the running child's CPU, not the test process's nor the teardown's
    table = capsys.readouterr().out.split("make test: wall and CPU seconds", 1)[1]
    assert re.search(r"\npytest +test_busy\.py \d+ s", table), table
