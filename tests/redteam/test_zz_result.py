"""The red team's RESULT line: runs after the attack modules (pytest runs a folder's files by name)."""

import pytest

from tests.redteam.totals import ATTACKS, COUNTS, TOTALS


def test_the_totals_are_what_the_result_line_says() -> None:
    """Every count printed is asserted: enough attacks, and zero of each finding."""
    line = " ".join(f"{k}={TOTALS[k]}" for k in ("attacks", *COUNTS))
    print(f"\nRESULT {line}")
    assert TOTALS["attacks"] >= ATTACKS
    assert all(TOTALS[k] == 0 for k in COUNTS), line


pytestmark = pytest.mark.redteam
