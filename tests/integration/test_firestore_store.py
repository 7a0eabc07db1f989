"""The Firestore run store against the real Firestore emulator."""

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.firestore_store import FirestoreRunStore
from shared.domain.runs import PlannedStep, RunPlanned, RunStatus, ToolResult, fold
from shared.errors import NotFound

pytestmark = pytest.mark.integration


def planned() -> RunPlanned:
    steps = [PlannedStep(tool="record_note", args={"text": "hi"}), PlannedStep(tool="finish")]
    return RunPlanned(seq=1, at=datetime.now(UTC), goal="g", trigger="test", steps=steps)


def result(seq: int, step: int) -> ToolResult:
    return ToolResult(seq=seq, at=datetime.now(UTC), step=step, tool="record_note", output={"n": step})


def test_create_is_once_and_the_cached_state_matches_the_log(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    assert store.create_run("t1", "r1", [planned()])
    assert not store.create_run("t1", "r1", [planned()])
    state = store.append("t1", "r1", 1, [result(2, 1)])
    assert state is not None and state.cursor == 2
    run = store.get_run("t1", "r1")
    assert run is not None and run.state == state == fold(store.list_events("t1", "r1"))
    assert run.state.status == RunStatus.RUNNING


def test_append_is_conditional_on_where_the_log_ends(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    store.create_run("t1", "r1", [planned()])
    assert store.append("t1", "r1", 1, [result(2, 1)]) is not None
    assert store.append("t1", "r1", 1, [result(2, 1)]) is None
    assert len(store.list_events("t1", "r1")) == 2


def test_two_concurrent_appends_of_the_same_step_record_it_once(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    store.create_run("t1", "r1", [planned()])
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        outcomes.append(store.append("t1", "r1", 1, [result(2, 1)]))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o is None for o in outcomes) == [False, True]
    assert [e.seq for e in store.list_events("t1", "r1")] == [1, 2]


def test_a_tenant_cannot_reach_another_tenants_run(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    store.create_run("t1", "r1", [planned()])
    assert store.get_run("t2", "r1") is None
    assert store.list_events("t2", "r1") == []
    with pytest.raises(NotFound):
        store.append("t2", "r1", 1, [result(2, 1)])
