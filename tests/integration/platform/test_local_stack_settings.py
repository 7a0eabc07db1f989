"""What ``make stack`` and ``make demo`` run with: the workspace index on unless the person turns it
off, the person's own ``NA_`` settings kept, and the stack's wiring (ports, emulators) never replaced
by a variable left in the shell. The suites' stacks take none of the shell's settings."""

from pathlib import Path

import pytest

from local.stack import LocalStack, memory_line


def test_a_persons_stack_indexes_by_default_and_keeps_their_settings_but_not_over_its_wiring(
    tmp_path: Path,
) -> None:
    shell = {
        "NA_MODEL_THINKING_ANSWER": "64",
        "NA_FIRESTORE_EMULATOR_HOST": "127.0.0.1:1",  # left over from another stack: not this one's
        "HOME": "/home/someone",
    }
    env = LocalStack(workdir=tmp_path, person_env=shell).env()
    assert env["NA_WORKSPACE_INDEX"] == "true" and "on" in memory_line(env)
    assert env["NA_MODEL_THINKING_ANSWER"] == "64"
    assert env["NA_FIRESTORE_EMULATOR_HOST"] != "127.0.0.1:1" and "HOME" not in env
    off = LocalStack(workdir=tmp_path, person_env=shell | {"NA_WORKSPACE_INDEX": "false"}).env()
    assert off["NA_WORKSPACE_INDEX"] == "false" and "off" in memory_line(off)
    child = LocalStack(workdir=tmp_path, person_env=shell | {"NA_WORKSPACE_INDEX": "false"})._child_env()
    assert child["NA_WORKSPACE_INDEX"] == "false"


def test_the_suites_stacks_take_no_setting_from_the_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NA_WORKSPACE_INDEX", "true")
    monkeypatch.setenv("NA_MODEL_THINKING_ANSWER", "64")
    child = LocalStack(workdir=tmp_path)._child_env()
    assert "NA_WORKSPACE_INDEX" not in child and "NA_MODEL_THINKING_ANSWER" not in child
