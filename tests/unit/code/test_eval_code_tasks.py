"""The code tasks of `make eval-agents` (local/eval_code.toml) and how the harness
counts them: every repository's own tests fail as seeded and pass with its known-good change; a pull
request passes only when those tests pass on its branch, the seeded tests put back; the seed's three
figures are computed from the tasks' minutes, cost and pass."""

from pathlib import Path
from typing import Any

import pytest

from local.eval_agents import EndState, HarnessError, Outcome, result_line
from local.eval_code import (
    CodeOutcome,
    judge,
    load_code_tasks,
    metrics,
    run_tests,
    seed,
    span_minutes,
)

TASKS = load_code_tasks()
BY_NAME = {t.name: t for t in TASKS}
NOTE = {"notes/mean-of-an-empty-list.md": "# Plan\n- Goal: fix it\n"}  # what the offline model pushes


def _pull(number: int, head: str, state: str = "open") -> dict[str, Any]:
    return {"number": number, "head": head, "state": state}


def test_at_least_8_code_tasks_each_its_own_repository_declaring_its_test_command() -> None:
    assert len(TASKS) >= 8
    assert len({t.repository for t in TASKS}) == len(TASKS)
    for task in TASKS:
        assert " ".join(task.test) in task.files["AGENTS.md"]  # the command the repository declares
        assert task.repository in task.instructions and "requirements" in task.instructions
        assert task.tests() and not set(task.solution) & set(task.tests())  # the fix leaves tests alone


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_each_repository_fails_as_seeded_and_passes_with_its_known_good_change(task: Any) -> None:
    seeded = run_tests(task.files, task.test, task.test_timeout_s)
    assert not seeded.passed and "exit 1" in seeded.summary, seeded.summary
    fixed = run_tests(task.files | task.solution, task.test, task.test_timeout_s)
    assert fixed.passed, fixed.summary


def test_a_pull_request_passes_only_when_the_repositorys_tests_pass_on_its_branch() -> None:
    task = BY_NAME["code-mean-of-nothing"]
    branches = {
        "agent/good": task.files | task.solution,
        "agent/note": task.files | NOTE,
        "agent/old-good": task.files | task.solution,
    }
    good = judge(task, [_pull(1, "agent/good")], branches.__getitem__)
    assert (good.passed, good.failures, good.pull) == (True, [], "PR #1")

    bad = judge(task, [_pull(1, "agent/note")], branches.__getitem__)
    assert not bad.passed
    assert "the repository's tests fail on agent/note: exit 1" in bad.failures[0]
    assert "test_mean_of_nothing_is_zero" in bad.failures[0]  # the failing test is named

    # The newest open pull request is the one judged; a closed one counts for nothing.
    newest = judge(task, [_pull(1, "agent/old-good"), _pull(2, "agent/note")], branches.__getitem__)
    assert not newest.passed and newest.pull == "PR #2"
    closed = judge(task, [_pull(1, "agent/good", state="closed")], branches.__getitem__)
    assert (closed.passed, closed.failures) == (False, ["no pull request is open in acme/stats"])
    assert not judge(task, [], branches.__getitem__).passed


def test_editing_or_deleting_the_tests_never_makes_a_pull_request_pass() -> None:
    task = BY_NAME["code-mean-of-nothing"]
    trivial = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        pass\n"
    assert run_tests(dict.fromkeys(task.tests(), trivial), task.test, 10).passed  # a cheat that would pass
    emptied = dict.fromkeys(task.tests(), trivial)
    verdict = judge(task, [_pull(3, "agent/cheat")], lambda _: task.files | emptied)
    assert not verdict.passed
    assert verdict.notes == ["the change edited tests, put back: tests/test_stats.py"]
    deleted = {p: t for p, t in task.files.items() if p not in task.tests()}
    assert not judge(task, [_pull(3, "agent/cheat")], lambda _: deleted).passed


def test_a_change_writing_outside_the_checkout_fails_and_writes_nothing(tmp_path: Path) -> None:
    task = BY_NAME["code-mean-of-nothing"]
    for escape in (str(tmp_path / "escaped.py"), "../../escaped.py"):
        ran = run_tests(task.files | task.solution | {escape: "x = 1\n"}, task.test, 10)
        assert not ran.passed and "outside the repository" in ran.summary
    assert not (tmp_path / "escaped.py").exists()


def test_tests_past_their_time_limit_fail() -> None:
    slow = {"tests/test_slow.py": "import time\n\ntime.sleep(5)\n"}
    ran = run_tests(slow, ["python", "-m", "unittest", "discover", "-s", "tests"], 0.5)
    assert not ran.passed and "past 0.5 s" in ran.summary


def _outcome(passed: bool, minutes: float | None, cost: float) -> CodeOutcome:
    end = EndState({}, [], {}, {})
    return CodeOutcome("t", passed, [], 1.0, end, minutes=minutes, cost_usd=cost)


def test_the_seeds_three_figures_from_the_tasks_minutes_cost_and_pass() -> None:
    outcomes = [_outcome(True, 2.0, 0.05), _outcome(False, 9.0, 0.40), _outcome(True, 4.0, 0.10)]
    outcomes.append(_outcome(False, None, 0.0))  # no run started: no minutes to count
    figures = metrics(outcomes)
    assert (figures.tasks, figures.passed, figures.median_minutes) == (4, 2, 4.0)
    assert figures.pass_rate == 0.5 and figures.max_cost_usd == 0.40
    assert figures.fields() == (
        "code_tasks=4 code_passed=2 code_median_minutes=4.0 code_pass_rate=0.50 code_max_cost_usd=0.4000"
    )
    assert "code_median_minutes=none" in metrics([_outcome(False, None, 0.0)]).fields()
    assert "4.0 min, $0.1000" in outcomes[2].detail()
    other = Outcome("comment-as-told", True, [], 2.0, EndState({}, [], {}, {}))
    assert result_line([other, *outcomes], "offline") == (
        f"RESULT tasks=5 passed=3 model=offline {figures.fields()}"
    )
    assert result_line([other], "offline") == "RESULT tasks=1 passed=1 model=offline"  # no code task ran


def test_a_tasks_minutes_run_from_its_first_runs_start_to_its_last_runs_end() -> None:
    runs = [
        {"created_at": "2026-11-27T10:00:00+00:00", "updated_at": "2026-11-27T10:03:00+00:00"},
        {"created_at": "2026-11-27T10:01:00+00:00", "updated_at": "2026-11-27T10:04:30+00:00"},
    ]
    assert span_minutes(runs) == 4.5
    assert span_minutes([]) is None


def test_a_task_whose_tests_already_pass_is_a_harness_error() -> None:
    task = BY_NAME["code-leap-years"]
    solved = type(task)(**{**task.__dict__, "files": task.files | task.solution})
    with pytest.raises(HarnessError, match="pass before any change"):
        seed(None, solved, "ghp_unused")  # type: ignore[arg-type]  # refused before the sandbox is called
