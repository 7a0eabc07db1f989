"""The person flows' stack is ``make stack``'s: the stack local.stack's main (what the Makefile's
``stack`` target runs) starts in a shell with no NA_ variable, and the one the web suite starts for a
module with a person flow, get the same settings, notify mode, code seed and Cloud Scheduler's jobs;
the other flows' stack is the unpaced one. Neither stack is started: their settings are compared as built."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import local.stack
from local.stack import LocalStack
from tests.web import conftest
from tests.web.browser import FAST_NOTION

ROOT = Path(__file__).resolve().parents[3]


class _Built(Exception):
    """Raised by a stack as ``make stack`` enters it, carrying the stack that was built."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__("built")
        self.stack = stack


@pytest.fixture
def made() -> Iterator[list[LocalStack]]:
    """Stacks built by a test, their working directories removed at its end."""
    built: list[LocalStack] = []
    yield built
    for stack in built:
        shutil.rmtree(stack.workdir, ignore_errors=True)


def _make_stack(monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The stack local.stack's main builds in a shell with no NA_ variable, as ``make stack`` runs."""
    for name in [n for n in os.environ if n.startswith("NA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(local.stack, "stop_on_signals", lambda: None)
    monkeypatch.setattr(local.stack, "say", lambda _line: None)

    def entered(stack: LocalStack) -> LocalStack:
        raise _Built(stack)

    monkeypatch.setattr(LocalStack, "__enter__", entered)
    with pytest.raises(_Built) as caught:
        local.stack.main()
    return caught.value.stack


def _settings(stack: LocalStack) -> dict[str, str]:
    """A stack's settings with what differs between any two stacks (free ports, the working
    directory) named, not valued."""
    own = str(stack.workdir)
    ports = {str(stack.smtp_port), str(stack.firestore_port), str(stack.gateway_port)}

    def named(value: str) -> str:
        value = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", value.replace(own, "<workdir>"))
        return "<port>" if value in ports else value

    return {k: named(v) for k, v in stack.env().items()}


def _started_with(stack: LocalStack) -> dict[str, object]:
    """What a stack was built with beyond its settings: its notify mode, the person's variables, the
    code sandbox's seed, Cloud Scheduler's jobs, its project."""
    return {
        "notify": stack.notify,
        "person": stack.person,
        "extra_env": stack.extra_env,
        "code_seed": stack.code_seed,
        "scheduler": stack.scheduler,
        "project": stack.project,
    }


def test_the_make_stack_target_sets_no_setting() -> None:
    """``make stack`` runs local.stack with none of its own NA_ variables."""
    shown = subprocess.run(
        ["make", "-n", "stack"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    [line] = [line for line in shown.splitlines() if "-m local.stack" in line]
    assert "NA_" not in line, line
    assert not re.search(r"^\s*export\s+NA_", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_the_person_flows_stack_is_make_stack_s(
    monkeypatch: pytest.MonkeyPatch, made: list[LocalStack]
) -> None:
    person = conftest.unstarted(conftest.DEFAULTS)
    made.append(person)
    make_stack = _make_stack(monkeypatch)
    made.append(make_stack)
    assert _settings(person) == _settings(make_stack)
    assert _started_with(person) == _started_with(make_stack)
    assert person.scheduler, "make stack calls Cloud Scheduler's jobs, and so must the person flows' stack"
    for name, relaxed in FAST_NOTION.items():
        assert person.env().get(name) != relaxed, name


def test_a_module_is_on_make_stack_s_stack_when_it_has_a_person_flow(
    monkeypatch: pytest.MonkeyPatch, made: list[LocalStack]
) -> None:
    class Module:
        __name__ = "tests.web.runs.test_console_x"
        STACK_NOTIFY = "live"

    monkeypatch.setattr(conftest, "PERSON_MODULES", set())
    assert conftest._kind_of(Module) == "live"
    fast = conftest.unstarted("live")
    made.append(fast)
    assert FAST_NOTION.items() <= fast.env().items()
    conftest.PERSON_MODULES.add(Module.__name__)
    assert conftest._kind_of(Module) == conftest.DEFAULTS
