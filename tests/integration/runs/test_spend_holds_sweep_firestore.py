"""Reservations of model calls that never settle are given back once (decision
0101), on the Firestore emulator: calls whose instance died after reserving leave their records
under ``tenants/{t}/spend_holds/``; the sweeper, once ``hold_kept`` has passed, gives each back to
the run's, day's and month's counters exactly once, however many sweeps run at once, and a settle
that comes after its hold was given back adds the call's cost alone."""

import functools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.engine.services.sweeper import sweep
from shared.platform.errors import TransientError
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.services import spend
from shared.runs.services.deps import Deps
from tests.perf import billing
from tests.support.engine.engine_fakes import make_deps
from tests.support.workspace.workspace_fakes import connected_tenants

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
RESERVE = 0.02


def _deps(db: Any, at: datetime) -> Deps:
    deps = make_deps(model_call_reserve_usd=RESERVE, spend_cap_day_usd=1000.0)
    return deps._replace(
        store=FirestoreRunStore(db),
        tenants=connected_tenants(deps.settings, "t1"),
        clock=functools.partial(lambda t: t, at),
    )


def _counters(db: Any, run_id: str) -> dict[str, float]:
    spend_docs = db.collection("tenants").document("t1").collection("spend")
    names = (f"run-{run_id}", "day-2026-11-20", "month-2026-11")
    return {name: float(spend_docs.document(name).get().get("usd")) for name in names}


def _holds(db: Any) -> int:
    return len(list(db.collection("tenants").document("t1").collection("spend_holds").stream()))


def test_a_reservation_never_settled_is_given_back_once_by_the_sweeper(firestore_db: Any) -> None:
    deps = _deps(firestore_db, T0)
    crashed = []
    for _ in range(5):  # five calls whose instance died: reserved, never settled
        hold, problem = spend._hold(deps, "t1", None, ("r1", 0.0, 0, None))
        assert hold is not None and not problem
        crashed.append(hold)
    late, _ = spend._hold(deps, "t1", None, ("r1", 0.0, 0, None))  # settles after the sweep
    assert late is not None
    assert _holds(firestore_db) == 6
    assert _counters(firestore_db, "r1") == pytest.approx(
        dict.fromkeys(_counters(firestore_db, "r1"), 6 * RESERVE)
    )

    # Before hold_kept has passed, the sweeper leaves them: their calls may still be under way.
    soon = _deps(firestore_db, T0 + spend.hold_kept(deps) - timedelta(seconds=1))
    assert spend.release_stale_holds(soon) == 0 and _holds(firestore_db) == 6

    # After it, four sweeps at once give each back once.
    later = _deps(firestore_db, T0 + spend.hold_kept(deps) + timedelta(seconds=1))
    with ThreadPoolExecutor(4) as pool:
        released = sum(pool.map(lambda _: spend.release_stale_holds(later), range(4)))
    assert released == 6 and _holds(firestore_db) == 0
    assert all(v == pytest.approx(0.0) for v in _counters(firestore_db, "r1").values())

    # The late call's settle finds its hold given back: the counters take its cost alone.
    FirestoreRunStore(firestore_db).settle_hold("t1", late, 0.013)
    assert all(v == pytest.approx(0.013) for v in _counters(firestore_db, "r1").values())
    assert spend.release_stale_holds(later) == 0  # nothing left to give back


def test_a_settled_call_leaves_no_record_and_is_never_released(firestore_db: Any) -> None:
    deps = _deps(firestore_db, T0)
    with spend.model_call(deps, "t1", 0.0, 0) as call:
        assert not call.problem
        assert _holds(firestore_db) == 1
        call.paid(0.011)
    assert _holds(firestore_db) == 0
    later = _deps(firestore_db, T0 + timedelta(days=1))
    assert sweep(later) == 0 and spend.release_stale_holds(later) == 0
    day = firestore_db.collection("tenants").document("t1").collection("spend").document("day-2026-11-20")
    assert float(day.get().get("usd")) == pytest.approx(0.011)


def test_the_sweeper_gives_back_stale_reservations(firestore_db: Any) -> None:
    deps = _deps(firestore_db, T0)
    hold, _ = spend._hold(deps, "t1", None, ("r2", 0.0, 0, None))
    assert hold is not None
    sweep(_deps(firestore_db, T0 + spend.hold_kept(deps) + timedelta(minutes=1)))
    assert _holds(firestore_db) == 0
    assert all(v == pytest.approx(0.0) for v in _counters(firestore_db, "r2").values())


def test_a_settle_whose_counter_write_keeps_failing_leaves_it_to_the_sweeper(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day counter's write fails through every attempt (contention, say): the run's and the
    month's settle, the day's move goes back into the hold's record, and the sweeper makes it."""
    deps = _deps(firestore_db, T0)
    store = FirestoreRunStore(firestore_db)
    hold, _ = spend._hold(deps, "t1", None, ("r3", 0.0, 0, None))
    assert hold is not None
    real = store._add_to_counters

    def failing(counters: Any, usd: float, attempts: int = 8, record: Any = None) -> Any:
        if any(ref.id == "day-2026-11-20" for _, ref, _ in counters):
            raise TransientError("firestore: Aborted")
        return real(counters, usd, attempts, record)

    monkeypatch.setattr(store, "_add_to_counters", failing)
    monkeypatch.setattr(store, "_settle_at_once", lambda *_: False)  # its batch aborted: nothing written
    store.settle_hold("t1", hold, 0.005)
    counted = _counters(firestore_db, "r3")
    assert counted["run-r3"] == pytest.approx(0.005) and counted["month-2026-11"] == pytest.approx(0.005)
    assert counted["day-2026-11-20"] == pytest.approx(RESERVE)  # not moved yet
    assert _holds(firestore_db) == 1
    monkeypatch.undo()
    assert (
        spend.release_stale_holds(_deps(firestore_db, T0 + spend.hold_kept(deps) + timedelta(minutes=1))) == 1
    )
    assert all(v == pytest.approx(0.005) for v in _counters(firestore_db, "r3").values())
    assert _holds(firestore_db) == 0


def test_a_model_call_reserves_in_one_round_trip_and_settles_in_one(firestore_db: Any) -> None:
    """Decision 0230: a run's first call creates its counter in the reserving batch (the run has spent
    nothing: it starts at 0), and the settle is one batch (the record's delete on the condition that
    it exists, and the three counters' moves), not a read, a delete and a write a counter. So a model
    call's budgets cost two round trips and 8 billed writes, and a second settle of the same hold (its
    record gone) adds the cost alone, by the old way's writes."""
    deps = _deps(firestore_db, T0)
    hold, _ = spend._hold(deps, "t1", None, ("r0", 0.0, 0, None))  # the day's and month's started
    assert hold is not None
    FirestoreRunStore(firestore_db).settle_hold("t1", hold, 0.0)
    store = FirestoreRunStore(billing.count_billed(firestore_db))
    billing.ROUND_TRIPS.clear()
    billing.OPS.clear()
    held, _ = spend._hold(deps._replace(store=store), "t1", None, ("r4", 0.0, 0, None))
    assert held is not None and held.hold_id
    store.settle_hold("t1", held, 0.007)
    assert billing.ROUND_TRIPS == {"commit": 2}, billing.ROUND_TRIPS
    assert billing.OPS == {"writes": 8}, billing.OPS
    assert _holds(firestore_db) == 0
    assert all(v == pytest.approx(0.007) for v in _counters(firestore_db, "r4").values())
    store.settle_hold("t1", held, 0.002)  # settled already: its record is gone
    assert all(v == pytest.approx(0.009) for v in _counters(firestore_db, "r4").values())


def test_a_run_that_spent_before_its_counter_existed_starts_it_at_its_cost(firestore_db: Any) -> None:
    """A run with a recorded cost and no counter (made before counters, say): its counter is not
    created by the reserving batch at the reservation alone but started at the run's cost first."""
    deps = _deps(firestore_db, T0)
    hold, _ = spend._hold(deps, "t1", None, ("r5", 0.03, 0, None))
    assert hold is not None
    assert _counters(firestore_db, "r5")["run-r5"] == pytest.approx(0.03 + RESERVE)
