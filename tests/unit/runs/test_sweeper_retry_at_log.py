"""``retry_at`` in the run log: an error's long Retry-After folds into the state until the step moves
on or errs again, and errors logged before the field (or without a retry) read, fold and are stored
as before."""

from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter

from shared.runs.domain.digest import line
from shared.runs.domain.events import ErrorKind, ErrorRecorded, PlannedStep, RunPlanned, ToolResult
from shared.runs.domain.state import Run, RunEvent, fold

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
EVENTS: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)
PLANNED = RunPlanned(
    seq=1, at=AT, goal="g", trigger="api", steps=[PlannedStep(tool="finish")], tools=["finish"]
)
OLD_ERROR = {  # an error_recorded document as stored before retry_at existed
    "seq": 2,
    "at": "2026-11-22T09:00:00Z",
    "kind": "error_recorded",
    "step": 1,
    "error": "transient",
    "message": "Notion answered 429",
}


def error(seq: int, retry_at: datetime | None) -> ErrorRecorded:
    return ErrorRecorded(seq=seq, at=AT, step=1, error=ErrorKind.TRANSIENT, message="429", retry_at=retry_at)


def test_an_error_logged_before_the_field_folds_as_before_and_is_stored_unchanged() -> None:
    old = EVENTS.validate_python(OLD_ERROR)
    assert isinstance(old, ErrorRecorded) and old.retry_at is None
    state = fold([PLANNED, old])
    assert state.retry_at is None and state.last_error == "Notion answered 429"
    assert EVENTS.dump_python(old, mode="json") == OLD_ERROR  # no "retry_at": null in the store
    assert "retry_at" not in line(old)  # nor in what the model reads


def test_a_long_retry_after_folds_into_the_state_until_the_step_moves_on() -> None:
    retry_at = AT + timedelta(hours=1)
    state = fold([PLANNED, error(2, retry_at)])
    assert state.retry_at == retry_at
    stored = EVENTS.dump_python(error(2, retry_at), mode="json")
    assert EVENTS.validate_python(stored) == error(2, retry_at)  # round trip
    assert fold([error(3, None)], state).retry_at is None  # a later error without one replaces it
    done = ToolResult(seq=3, at=AT, step=1, tool="finish", output={"summary": "ok"})
    assert fold([done], state).retry_at is None


def test_a_run_is_idle_since_its_last_write_or_its_retry_if_later() -> None:
    retry_at = AT + timedelta(hours=1)
    run = Run(tenant_id="t1", run_id="r1", state=fold([PLANNED]), created_at=AT, updated_at=AT)
    assert run.idle_since == AT
    delayed = run.model_copy(update={"state": fold([PLANNED, error(2, retry_at)])})
    assert delayed.idle_since == retry_at
    late = delayed.model_copy(update={"updated_at": retry_at + timedelta(minutes=1)})
    assert late.idle_since == retry_at + timedelta(minutes=1)
