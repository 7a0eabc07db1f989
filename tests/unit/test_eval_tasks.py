"""The tasks file of `make eval-agents` (local/eval_agents.toml): enough tasks, each described, each
checked by code; a malformed file is a harness error, not a task that fails; the RESULT line counts."""

from pathlib import Path

import pytest

from local.eval_agents import CHECKS, HarnessError, load_tasks, main, model_id
from local.eval_code import load_code_tasks


def test_at_least_25_tasks_each_described_and_checked_by_a_known_checker() -> None:
    tasks = load_tasks()
    assert len(tasks) >= 25
    for task in tasks:
        assert task.description.strip() and task.expect
        assert {e["kind"] for e in task.expect} <= set(CHECKS)
    starts = {t.start["kind"] for t in tasks}
    assert starts == {"comment", "status", "schedule"}
    kinds = {e["kind"] for t in tasks for e in t.expect}
    assert {"children", "review", "page", "block", "comment", "property"} <= kinds


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("eval_tasks.toml", "[[tasks]]\nname = 'x'\n", "description"),
        (
            "eval_tasks.toml",
            "[[tasks]]\nname = 'x'\ndescription = 'd'\nstart = {kind = 'poke'}\nexpect = [{kind = 'block'}]\n",
            "start.kind",
        ),
        (
            "eval_tasks.toml",
            "[[tasks]]\nname = 'x'\ndescription = 'd'\nstart = {kind = 'schedule'}\nexpect = [{kind = 'vibes'}]\n",
            "unknown",
        ),
        ("eval_tasks.toml", "[[tasks\n", "eval_tasks.toml"),
        # the code tasks' file (local/eval_code.toml), read by its own loader
        ("eval_code.toml", "test = ['python']\nagents_md = 'x'\n", "instructions naming"),
        (
            "eval_code.toml",
            "test = ['python']\nagents_md = 'x'\ninstructions = 'in {repository}'\n"
            "[[tasks]]\nname = 'x'\ndescription = 'd'\nrepository = 'a/b'\n"
            "idea = {title = 't'}\nfiles = {'a.py' = ''}\nsolution = {'a.py' = ''}\n",
            "a file under tests/",
        ),
        ("eval_code.toml", "[[tasks\n", "eval_code.toml"),
    ],
)
def test_a_malformed_tasks_file_is_a_harness_error(tmp_path: Path, name: str, text: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(HarnessError, match=reason):
        (load_code_tasks if name == "eval_code.toml" else load_tasks)(path)


def test_the_model_is_named_as_the_settings_pick_it() -> None:
    assert model_id({}) == "offline"
    chosen = {"NA_MODEL_BACKEND": "vertex", "NA_MODEL_PLAN": "gemini-a", "NA_MODEL_DRAFT": "gemini-b"}
    assert model_id(chosen) == "vertex:gemini-a+gemini-b"


def test_a_harness_error_exits_2_and_prints_no_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tasks.toml"
    path.write_text("[[tasks]]\nname = 'x'\n")
    assert main(["--tasks", str(path)]) == 2
    printed = capsys.readouterr()
    assert "harness error" in printed.err and "RESULT" not in printed.out


def test_a_task_named_that_does_not_exist_is_a_harness_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "no-such-task"]) == 2
    assert "no task is called no-such-task" in capsys.readouterr().err
