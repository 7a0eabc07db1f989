"""The suite's totals, printed as the last line: ``RESULT runs= lost= duplicated_effects= stuck= failed=``.

``failed`` counts runs that ended failed (with a reason): under faults that are transient and within
the queues' retry budgets every scenario asserts 0 of them, as of the other counts
(:func:`tests.reliability.harness.outcome_counts`)."""

import os
from collections import Counter

import pytest

TOTALS: Counter[str] = Counter()
RESULT_KEYS = ("runs", "lost", "duplicated_effects", "stuck", "failed")


def scale(short: int, full: int) -> int:
    """Runs per scenario: ``RELIABILITY=full`` (make reliability) or short (make test)."""
    return full if os.environ.get("RELIABILITY", "short") == "full" else short


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TOTALS:
        line = " ".join(f"{k}={TOTALS[k]}" for k in RESULT_KEYS)
        terminalreporter.write_line(f"RESULT {line}")
