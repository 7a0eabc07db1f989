"""The benchmarks' counter (tests/perf/billing.py) wrapped around a real client on the emulator: what
each kind of call is billed."""

from typing import Any

from google.cloud.firestore_v1.base_query import FieldFilter

from tests.perf.billing import OPS, TOUCHED, count_billed


def _billed(db: Any, call: Any) -> tuple[int, list[str]]:
    OPS.clear()
    TOUCHED.clear()
    call(db)
    return OPS["reads"], list(TOUCHED)


def test_reads_are_billed_as_firestore_bills_them(firestore_db: Any) -> None:
    db = count_billed(firestore_db)
    items = db.collection("billing")
    batch = db.batch()
    for i in range(1203):
        batch.set(items.document(f"d{i:04d}"), {"kind": "a" if i < 3 else "b", "n": i})
        if i % 400 == 399:
            batch.commit()
            batch = db.batch()
    OPS.clear()
    batch.commit()
    assert OPS["writes"] == 3  # 1203 - 1200: one write per document of the last commit

    assert _billed(db, lambda d: d.collection("billing").document("d0001").get())[0] == 1
    assert _billed(db, lambda d: d.collection("billing").document("nope").get())[0] == 1  # missing
    assert _billed(db, lambda d: list(d.get_all([items.document("d0001"), items.document("x")])))[0] == 2
    kind_a = items.where(filter=FieldFilter("kind", "==", "a"))
    assert _billed(db, lambda d: list(kind_a.stream()))[0] == 3
    nothing = items.where(filter=FieldFilter("kind", "==", "none"))
    assert _billed(db, lambda d: list(nothing.stream())) == (1, ["query (none found) billing"])
    below = items.document("d0001").collection("below")
    assert _billed(db, lambda d: list(below.stream())) == (1, ["query (none found) billing/d0001/below"])
    assert _billed(db, lambda d: nothing.count().get())[0] == 1  # an aggregation: at least one
    assert _billed(db, lambda d: kind_a.count().get())[0] == 1
    assert _billed(db, lambda d: items.count().get())[0] == 2  # 1203 entries: two batches of 1,000
    assert _billed(db, lambda d: items.sum("n").get())[0] == 2  # a sum reads the same entries
    counted = items.where(filter=FieldFilter("kind", "==", "b")).limit(1000).count().get()
    assert counted[0][0].value == 1000
    assert _billed(db, lambda d: items.limit(1000).count().get())[0] == 1
