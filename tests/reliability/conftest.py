"""The suite's totals, printed as the last line: ``RESULT runs= lost= duplicated_effects= stuck=``."""

import os
from collections import Counter

import pytest

TOTALS: Counter[str] = Counter()


def scale(short: int, full: int) -> int:
    """Runs per scenario: ``RELIABILITY=full`` (make reliability) or short (make test)."""
    return full if os.environ.get("RELIABILITY", "short") == "full" else short


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TOTALS:
        line = " ".join(f"{k}={TOTALS[k]}" for k in ("runs", "lost", "duplicated_effects", "stuck"))
        terminalreporter.write_line(f"RESULT {line}")
