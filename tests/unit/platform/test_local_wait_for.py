"""local.demo.wait_for: by default each pause half as long again as the last, at most POLL_MAX_S, so a
long wait keeps within a person's api pace (decision 0177); an ``every_s`` given keeps its interval."""

from itertools import pairwise

import pytest

from local.demo import POLL_FIRST_S, POLL_MAX_S, wait_for


def _pauses(monkeypatch: pytest.MonkeyPatch, looks: int, **every: float) -> list[float]:
    """The pauses ``wait_for`` takes before a check that answers at its ``looks``-th look."""
    slept: list[float] = []
    monkeypatch.setattr("local.demo.time.sleep", slept.append)
    answers = iter([None] * (looks - 1) + ["found"])
    assert wait_for(lambda: next(answers), "the answer", timeout_s=3600, **every) == "found"
    return slept


def test_the_pauses_grow_from_the_first_to_at_most_the_longest(monkeypatch: pytest.MonkeyPatch) -> None:
    slept = _pauses(monkeypatch, 40)
    assert slept[:3] == pytest.approx([POLL_FIRST_S, POLL_FIRST_S * 1.5, POLL_FIRST_S * 2.25])
    assert all(b >= a for a, b in pairwise(slept)) and max(slept) == POLL_MAX_S
    # A stack's default pace is 40 requests a person in 20 s: the looks of a wait's first 20 s leave
    # a quarter of them to the test's own requests (every 0.05 s, they were 400).
    assert _looks_within(slept, 20.0) < 30


def _looks_within(slept: list[float], seconds: float) -> int:
    """How many looks the first ``seconds`` of the wait took (one before each pause that began in it)."""
    total, looks = 0.0, 0
    for pause in slept:
        if total >= seconds:
            break
        looks, total = looks + 1, total + pause
    return looks


def test_an_interval_given_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _pauses(monkeypatch, 5, every_s=0.2) == [0.2] * 4


def test_an_answer_at_the_first_look_waits_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _pauses(monkeypatch, 1) == []
