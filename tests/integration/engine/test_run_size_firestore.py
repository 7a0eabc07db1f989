"""On the Firestore emulator: the daily plan over rows with long properties records events and a run
document far below the 1 MiB limit, and a run document at the engine's guard (``RECORD_BYTES`` of
JSON) is one Firestore stores, so the guard's measure leaves Firestore's own accounting room."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.engine.services import stepping
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.state import fold
from tests.support.engine.run_size import daily_plan_over_long_rows, size

pytestmark = pytest.mark.integration


def test_the_daily_plan_over_long_rows_is_recorded(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FirestoreRunStore(firestore_db)
    daily_plan_over_long_rows(store)
    run = store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.COMPLETED
    ref = firestore_db.collection("tenants").document("t1").collection("runs").document("r1")
    assert size(ref.get().to_dict()) < 20_000
    events = [e for e in store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert size(events[0].model_dump(mode="json")) < 60_000


def test_a_run_document_at_the_guard_is_stored(firestore_db: Any) -> None:
    store = FirestoreRunStore(firestore_db)
    at = datetime.now(UTC)
    steps = [PlannedStep(tool="read_page"), PlannedStep(tool="finish", args={"summary": "${steps.1}"})]
    planned = RunPlanned(seq=1, at=at, goal="g", trigger="api", steps=steps)
    assert store.create_run("t1", "big", [planned])
    fields = {f"f{i}": "é" * 1000 for i in range(400)}  # many fields, two bytes a char: Firestore's worst
    output = fields | {"pad": "x" * (stepping.RECORD_BYTES - size(fold([planned]).model_dump(mode="json")))}
    result = ToolResult(seq=2, at=at, step=1, tool="read_page", output=output)
    state = fold([planned, result])
    while len(state.model_dump_json().encode()) > stepping.RECORD_BYTES:  # just under the guard
        output["pad"] = output["pad"][:-1000]
        result = result.model_copy(update={"output": output})
        state = fold([planned, result])
    assert len(state.model_dump_json().encode()) > stepping.RECORD_BYTES - 2_000
    assert store.append("t1", "big", fold([planned]), [result]) is not None
