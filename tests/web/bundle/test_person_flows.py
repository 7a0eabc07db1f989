"""The web check's person flows: a test marked ``person_flow`` that passed counts in
``person_flows``, one that failed in ``person_flows_failed``; the RESULT line prints both, and the
check fails when fewer than four ran whole (under ``NA_WEB_CHECK=1``) or any failed."""

from collections import Counter
from typing import Literal

import pytest

from tests.web import conftest
from tests.web.browser import Figures

FLOW = "tests/web/runs/test_console_x.py::test_y"


def _report(
    outcome: Literal["passed", "failed", "skipped"],
    keywords: dict[str, Literal[1]],
    when: Literal["setup", "call", "teardown"] = "call",
) -> pytest.TestReport:
    return pytest.TestReport(FLOW, ("x", 1, "y"), keywords, outcome, None, when)


def test_person_flows_are_counted_printed_and_held_to_four(monkeypatch: pytest.MonkeyPatch) -> None:
    figures = Figures()
    monkeypatch.setattr(conftest, "FIGURES", figures)
    monkeypatch.setattr(conftest, "COLLECTED", Counter({"flow": 5}))
    monkeypatch.setenv("NA_WEB_CHECK", "1")
    for _ in range(3):
        conftest.pytest_runtest_logreport(_report("passed", {conftest.PERSON: 1}))
    conftest.pytest_runtest_logreport(_report("passed", {}))  # a flow, not a person's
    assert (figures.flows_passed, figures.person_flows) == (4, 3)
    assert "person_flows=3, fewer than 4 ran whole" in conftest.problems()
    assert conftest.result_line().endswith("person_flows=3 person_flows_failed=0")
    conftest.pytest_runtest_logreport(_report("passed", {conftest.PERSON: 1}))
    assert not [p for p in conftest.problems() if "person" in p]
    conftest.pytest_runtest_logreport(_report("failed", {conftest.PERSON: 1}))
    assert "1 person flow(s) failed" in conftest.problems()
    assert conftest.result_line().endswith("person_flows=4 person_flows_failed=1")
