"""A trigger whose planning fails on every attempt the plan queue allows still ends visibly: a failed
run saying why, with the owner's notice (the Cloud Tasks emulator deletes the task after its last
attempt, as Cloud Tasks does, so nothing else would ever plan it)."""

from pathlib import Path
from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from tests.reliability.harness import engine_stack, outcome_counts

pytestmark = [pytest.mark.integration]


def test_planning_that_fails_at_every_attempt_ends_as_a_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    from local.notion_sandbox.errors import injected

    with engine_stack(tmp_path, monkeypatch, plan_attempts=3) as stack:
        page = stack.new_idea("Planned during an outage")

        def outage(token: str) -> None:
            raise injected(503, None)

        monkeypatch.setattr(stack.sandbox.sandbox.faults, "check", outage)
        stack.start("outage-1", page)
        stack.settle()
        state = stack.state("outage-1")
        notices = sorted(p.name for p in stack.outbox.glob("*.json"))
    assert stack.pending() == [], "the queue gave up on the plan task"
    assert state is not None, "the trigger left no run: lost"
    # One failed run, expected: the outage outlasts every attempt the plan queue allows (3 here).
    assert outcome_counts({"outage-1": state}, {RunStatus.COMPLETED}) == {
        "runs": 1,
        "lost": 0,
        "stuck": 0,
        "failed": 1,
    }
    assert "503" in state.summary and "could not be planned" in state.summary, state.summary
    assert notices == ["outage-1-failed.json"], notices
