"""A map's child leaves its end's marker under its parent in the same write as its end,
against the Firestore emulator: a fan-in counts them in one aggregation, and a retried or duplicate
end is counted once."""

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunFinished, RunPlanned
from shared.runs.domain.state import PlannedStep, RunStatus, fold

pytestmark = pytest.mark.integration


def child_head(run_id: str = "p1-m1-0") -> RunPlanned:
    steps = [PlannedStep(tool="finish")]
    return RunPlanned(
        seq=1, at=datetime.now(UTC), goal="g", trigger="api", steps=steps, parent_run_id="p1", chain=("a",)
    )


def end(status: RunStatus = RunStatus.COMPLETED, seq: int = 2) -> RunFinished:
    return RunFinished(seq=seq, at=datetime.now(UTC), status=status, summary=f"child {status.value}")


def test_a_child_s_end_is_counted_once_with_its_outcome(firestore_db: Any) -> None:
    store, head = FirestoreRunStore(firestore_db), child_head()
    store.create_run("t1", "p1-m1-0", [head])
    assert store.count_ended("t1", "p1", 1) == 0  # running: not counted
    assert store.append("t1", "p1-m1-0", fold([head]), [end(RunStatus.FAILED)]) is not None
    assert store.append("t1", "p1-m1-0", fold([head]), [end()]) is None  # a duplicate end: refused whole
    assert store.count_ended("t1", "p1", 1) == 1
    (marker,) = store.ended_children("t1", "p1", 1)
    assert marker == {
        "run_id": "p1-m1-0",
        "map_step": 1,
        "index": 0,
        "status": "failed",  # a failed child is reported, with what it said
        "summary": "child failed",
        "cost_usd": 0.0,  # what its model calls cost (a debate's or panel's result sums them)
    }
    assert store.count_ended("t1", "p1", 2) == 0  # another map of the same parent


def test_concurrent_ends_of_one_child_count_once_and_a_created_end_counts(firestore_db: Any) -> None:
    store, head = FirestoreRunStore(firestore_db), child_head()
    store.create_run("t1", "p1-m1-0", [head])
    threads = [
        threading.Thread(target=store.append, args=("t1", "p1-m1-0", fold([head]), [end()])) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other = child_head("p1-m1-1")
    assert store.create_run("t1", "p1-m1-1", [other, end(RunStatus.FAILED)])  # failed as it was planned
    assert store.count_ended("t1", "p1", 1) == 2


def test_ends_that_are_no_map_s_child_leave_no_marker(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    handed = child_head("p1-h1")  # a hand-off's child
    store.create_run("t1", "p1-h1", [handed, end()])
    stray = child_head("q9-m1-0")  # named like another parent's child
    store.create_run("t1", "q9-m1-0", [stray, end()])
    assert store.count_ended("t1", "p1", 1) == 0 and store.count_ended("t1", "q9", 1) == 0
