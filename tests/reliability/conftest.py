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


def counted(figures: dict[str, int], result: str) -> None:
    """Print a storm's ``result`` line, add its ``runs_started``, ``lost`` and ``duplicated`` to the
    totals, and assert them: none lost or duplicated, as many runs as expected, no spoofed mail
    accepted, every thread answered once (the figures the storm has)."""
    print(result)
    TOTALS.update({"runs": figures["runs_started"], "lost": figures["lost"]})
    TOTALS["duplicated_effects"] += figures["duplicated"]
    assert (figures["lost"], figures["duplicated"], figures.get("spoofed_accepted", 0)) == (0, 0, 0), figures
    assert figures["runs_started"] == figures["runs_expected"], figures
    assert figures.get("answered_in_thread") == figures.get("threads"), figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TOTALS:
        line = " ".join(f"{k}={TOTALS[k]}" for k in RESULT_KEYS)
        terminalreporter.write_line(f"RESULT {line}")
