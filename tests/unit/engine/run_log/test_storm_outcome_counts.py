"""The reliability suite's counts on constructed outcomes: a run that ended failed is counted as
``failed`` (not hidden among the allowed ends), so a scenario's ``sound`` assertion fails on it."""

from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import RunState
from tests.reliability.harness import outcome_counts, sound

ENDS = {RunStatus.COMPLETED, RunStatus.WAITING_FOR_HUMAN}


def test_a_failed_run_is_counted_and_fails_the_scenario() -> None:
    states = {
        "done": RunState(status=RunStatus.COMPLETED),
        "waits": RunState(status=RunStatus.WAITING_FOR_HUMAN),
        "failed": RunState(status=RunStatus.FAILED, summary="Notion answered 503 at every attempt"),
    }
    counts = outcome_counts(states, ENDS) | {"duplicated_effects": 0}
    assert counts == sound(3, failed=1)
    assert counts != sound(3)  # what every transient-fault scenario asserts


def test_every_run_failed_is_every_run_counted() -> None:
    """The change the suite must catch: every stormed run turned into "failed, with a reason"."""
    states = {f"storm-{i}": RunState(status=RunStatus.FAILED, summary="why") for i in range(5)}
    counts = outcome_counts(states, ENDS) | {"duplicated_effects": 0}
    assert counts["failed"] == 5 and counts["stuck"] == 0
    assert counts != sound(5)


def test_lost_and_stuck_runs_are_told_apart_from_failed_ones() -> None:
    states = {
        "lost": None,
        "running": RunState(status=RunStatus.RUNNING),
        "ok": RunState(status=RunStatus.COMPLETED),
    }
    assert outcome_counts(states, ENDS) == {"runs": 3, "lost": 1, "stuck": 1, "failed": 0}
