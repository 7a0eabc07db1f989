"""``FirestoreRunStore.stalled`` on the Firestore emulator: runs waiting for a long Retry-After are
left out, and the oldest-first query pages on past them, so a batch full of them does not hide a
stalled run; run documents written before ``retry_at`` existed are found as before."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import ErrorKind, ErrorRecorded, PlannedStep, RunPlanned, RunStatus
from shared.runs.domain.state import fold

pytestmark = pytest.mark.integration


def planned() -> RunPlanned:
    return RunPlanned(
        seq=1, at=datetime.now(UTC), goal="g", trigger="test", steps=[PlannedStep(tool="finish")]
    )


def delayed(store: FirestoreRunStore, run_id: str, retry_at: datetime) -> None:
    """A run whose step hit a rate limit and waits for ``retry_at``."""
    assert store.create_run("t1", run_id, [planned()])
    error = ErrorRecorded(
        seq=2, at=datetime.now(UTC), step=1, error=ErrorKind.TRANSIENT, message="429", retry_at=retry_at
    )
    assert store.append("t1", run_id, fold([planned()]), [error]) is not None


def test_a_page_full_of_delayed_runs_does_not_hide_a_stalled_run(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    later = datetime.now(UTC) + timedelta(hours=1)
    for i in range(5):  # older than the stalled run: they come first in the oldest-first query
        delayed(store, f"d{i}", later)
    assert store.create_run("t1", "lost", [planned()])  # its step task was lost
    before = datetime.now(UTC) + timedelta(seconds=5)
    assert store.stalled(RunStatus.RUNNING, before, limit=2) == [("t1", "lost")]  # three pages on
    assert store.stalled(RunStatus.RUNNING, later + timedelta(seconds=1), limit=10) == [
        *(("t1", f"d{i}") for i in range(5)),
        ("t1", "lost"),
    ]  # past their retry_at (and the window: the sweeper's ``before``) they are stalled too


def test_a_run_document_from_before_retry_at_is_found_as_before(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    assert store.create_run("t1", "old", [planned()])
    ref = firestore_db.collection("tenants").document("t1").collection("runs").document("old")
    ref.update({"retry_at": firestore.DELETE_FIELD})
    assert "retry_at" not in (ref.get().to_dict() or {})
    before = datetime.now(UTC) + timedelta(seconds=5)
    assert store.stalled(RunStatus.RUNNING, before) == [("t1", "old")]
