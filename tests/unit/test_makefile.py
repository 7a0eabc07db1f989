"""Both set-up commands stop at once, saying what to install, when Python 3.13 is not there; `make
stack` installs the browser its screens are tried in."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", ["demo", "test"])
def test_without_python_3_13_the_command_says_what_to_install(target: str) -> None:
    done = subprocess.run(
        ["make", "-s", target, "PYTHON=/nonexistent/python3.13"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Python 3.13 was not found" in done.stderr and "pyenv install 3.13" in done.stderr


def test_make_stack_installs_debians_chromium_when_it_is_missing() -> None:
    done = subprocess.run(
        ["make", "-n", "stack", "CHROMIUM=/nonexistent/chromium"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "apt-get" in done.stdout and "chromium" in done.stdout
