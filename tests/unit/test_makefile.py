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


def _planned(*args: str) -> str:
    """What ``make -n <args>`` would run."""
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_stack_installs_debians_chromium_when_it_is_missing() -> None:
    planned = _planned("stack", "CHROMIUM=/nonexistent/chromium")
    assert "apt-get" in planned and "chromium" in planned


def test_make_web_check_installs_and_drives_debians_headless_shell() -> None:
    """The web suite's browser is chromium-headless-shell (decision 0232), installed when missing."""
    planned = _planned("web-check", "HEADLESS_CHROMIUM=/nonexistent/chromium-headless-shell")
    assert "apt-get" in planned and "install" in planned and "chromium-headless-shell" in planned
    assert 'NA_CHROMIUM="/nonexistent/chromium-headless-shell"' in planned
