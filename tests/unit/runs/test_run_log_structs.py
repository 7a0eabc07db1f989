"""The run's log as pydantic models (decision 0055): events as stored and read back, what a stored
event leaves out, what is refused, and the reducer's states, which are not validated again."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shared.platform.domain.schema import problems
from shared.runs.domain import events as ev
from shared.runs.domain.events import RunEvent, RunStatus, event_of
from shared.runs.domain.state import RunState, fold

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def log() -> list[RunEvent]:
    steps = [ev.PlannedStep(tool="read_page", args={"page_id": "p1"}), ev.PlannedStep(tool="finish", args={})]
    steps.insert(1, ev.PlannedStep(tool="request_approval", args={"summary": "${steps.1.title}"}))
    return [
        ev.RunPlanned(seq=1, at=AT, goal="g", trigger="webhook", steps=steps, tools=["read_page", "finish"]),
        ev.ToolIntent(
            seq=2, at=AT, step=1, tool="read_page", key="k1", lease_until=AT + timedelta(minutes=1)
        ),
        ev.ToolResult(
            seq=3, at=AT, step=1, tool="read_page", output={"page_id": "p1", "title": "T", "text": "x"}
        ),
        ev.ModelUsed(seq=4, at=AT, purpose="p", model="m", input_tokens=3, output_tokens=2, cost_usd=0.25),
        ev.HumanRequested(
            seq=5, at=AT, request_id="a-2", step=2, purpose="approval", prompt="ok?", effects=("e",)
        ),
        ev.HumanResponded(seq=6, at=AT, request_id="a-2", decision="approve"),
        ev.ErrorRecorded(seq=7, at=AT, step=3, error=ev.ErrorKind.TRANSIENT, message="slow", retry_at=AT),
        ev.RunFinished(seq=8, at=AT, status=RunStatus.COMPLETED, summary="done"),
    ]


def test_each_event_reads_back_as_stored_with_the_ids_the_store_adds_ignored() -> None:
    for event in log():
        stored = event.model_dump(mode="json") | {"tenant_id": "t1", "run_id": "r1"}
        assert event_of(stored) == event
        assert stored["kind"] == event.kind


def test_a_stored_event_leaves_out_the_fields_events_before_them_lacked_while_they_are_empty() -> None:
    error = ev.ErrorRecorded(seq=2, at=AT, step=1, error=ev.ErrorKind.PERMANENT, message="m")
    assert "retry_at" not in error.model_dump(mode="json")
    assert (
        error.model_copy(update={"retry_at": AT}).model_dump(mode="json")["retry_at"]
        == "2026-03-02T08:30:00Z"
    )
    planned = log()[0].model_dump(mode="json")
    assert {"member", "sources"}.isdisjoint(planned) and planned["steps"][0]["tool"] == "read_page"
    ask = ev.HumanRequested(seq=5, at=AT, request_id="q-2", step=2, purpose="question", prompt="why?")
    assert {"effects", "call"}.isdisjoint(ask.model_dump(mode="json")) and ask.model_dump()["budget"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "no_such_kind", "seq": 1, "at": "2026-03-02T08:30:00Z"}, "kind"),
        ({"kind": "tool_intent", "seq": 2, "at": "2026-03-02T08:30:00Z", "step": 0, "tool": "t", "key": "k",
          "lease_until": "2026-03-02T08:31:00Z"}, "step"),
        ({"kind": "model_used", "seq": 2, "at": "2026-03-02T08:30:00Z", "purpose": "p", "model": "m",
          "input_tokens": -1, "output_tokens": 0, "cost_usd": 0}, "input_tokens"),
        ({"kind": "error_recorded", "seq": 2, "at": "2026-03-02T08:30:00Z", "step": 1, "error": "transient",
          "message": "x" * 501}, "message"),
        ({"kind": "run_finished", "seq": 0, "at": "2026-03-02T08:30:00Z", "status": "completed", "summary": ""},
         "seq"),
    ],
)  # fmt: skip
def test_an_event_off_its_rules_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        event_of(data)
    assert problems(refused.value)[0][0].split(".")[-1] == field  # after the member's tag


def test_code_that_makes_an_event_off_its_rules_gets_the_same_refusal() -> None:
    with pytest.raises(ValidationError) as refused:
        ev.ToolResult(seq=3, at=AT, step=0, tool="read_page")
    assert problems(refused.value)[0][0] == "step"


def test_the_reducers_state_is_the_one_its_stored_document_reads_back() -> None:
    """``apply`` does not validate the states it makes again (``model_copy``): what it builds
    must already be what a conversion gives (tuples, enums, models), or a state read back from the
    run document would differ from the one folded."""
    state = fold(log())
    assert RunState.model_validate(state.model_dump(mode="json")) == state
    assert state.status is RunStatus.COMPLETED and state.approved == ("e",) and state.tokens == 5
    assert state.outputs == {"1": {"title": "T"}} and isinstance(state.keep_outputs, tuple)
    halfway = fold(log()[:5])
    assert halfway.waiting is not None and halfway.waiting.effects == ("e",)
    assert RunState.model_validate(halfway.model_dump(mode="json")) == halfway
