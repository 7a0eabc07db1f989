"""The sweeper fails a run that has not moved for a day instead of re-enqueuing it for ever, so a
run stuck for good (a step failing without recording anything) costs nothing more, its owner hears
of it, and it no longer fills the oldest-first batch that newer stalled runs wait behind."""

import logging
from datetime import timedelta
from typing import Any

import pytest

from shared.engine.services.sweeper import GIVE_UP_AFTER, sweep
from shared.notify.domain.notify_task import NotifyTask
from shared.runs.domain.events import RunStatus, ToolIntent
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.sweeper import NOW, last_moved, runs
from tests.support.runs.runs import queue_of as queue


def status(deps: Deps, run_id: str) -> Any:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def test_a_run_without_progress_for_a_day_is_failed_and_its_owner_told_not_re_enqueued() -> None:
    deps = runs(1)
    last_moved(deps, "r0", GIVE_UP_AFTER + timedelta(minutes=5))
    assert sweep(deps) == 0
    ended = status(deps, "r0")
    assert ended.status == RunStatus.FAILED
    assert "no progress for 24 hours" in ended.summary
    bodies = [b for _, b, _, _ in queue(deps).tasks]
    assert not any(isinstance(b, StepTask) for b in bodies)
    assert [b.notification_id for b in bodies if isinstance(b, NotifyTask)] == ["r0-failed"]
    assert sweep(deps) == 0 and len(queue(deps).tasks) == len(bodies)  # once


def test_a_run_stalled_for_less_than_a_day_is_re_enqueued_as_before() -> None:
    deps = runs(1)
    last_moved(deps, "r0", GIVE_UP_AFTER - timedelta(minutes=5))
    assert sweep(deps) == 1
    assert status(deps, "r0").status == RunStatus.RUNNING
    assert [type(b) for _, b, _, _ in queue(deps).tasks] == [StepTask]


def test_runs_stuck_for_good_no_longer_keep_a_newer_stalled_run_out_of_the_batch() -> None:
    deps = runs(4)
    for i in range(3):
        last_moved(deps, f"r{i}", timedelta(days=2, minutes=i))
    last_moved(deps, "r3", timedelta(minutes=20))  # its task was lost twenty minutes ago
    assert sweep(deps, limit=3) == 0  # the three oldest fill the batch: failed
    assert sweep(deps, limit=3) == 1  # then the newer one is reached
    assert [b.run_id for _, b, _, _ in queue(deps).tasks if isinstance(b, StepTask)] == ["r3"]


def test_a_stuck_run_whose_log_ends_in_an_expired_intent_is_failed_after_it() -> None:
    deps = runs(1)
    state = status(deps, "r0")
    intent = ToolIntent(
        seq=state.last_seq + 1,
        at=NOW - timedelta(days=2),
        step=1,
        tool="finish",
        args={"summary": "ok"},
        key="r0:1:1",
        attempt=1,
        lease_until=NOW - timedelta(days=2) + timedelta(minutes=2),
    )
    assert deps.store.add_event("t1", "r0", intent)  # not in the run document, as intents never are
    last_moved(deps, "r0", timedelta(days=2))
    sweep(deps)
    assert status(deps, "r0").status == RunStatus.FAILED
    events = deps.store.list_events("t1", "r0")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # after the intent, no gap


def test_a_run_the_sweeper_fails_writes_the_alert_line_every_failure_writes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = runs(1)
    last_moved(deps, "r0", GIVE_UP_AFTER + timedelta(minutes=5))
    with caplog.at_level(logging.INFO):
        sweep(deps)
    failed = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "run_failed"]
    assert len(failed) == 1 and failed[0].levelname == "ERROR" and "no progress" in failed[0].getMessage()
