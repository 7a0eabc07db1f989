"""The pure run domain: fold is deterministic, replay reproduces the cached state, decisions, limits."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    HumanResponded,
    ModelUsed,
    PlannedStep,
    RunEvent,
    RunFinished,
    RunPaused,
    RunPlanned,
    RunResumed,
    RunStatus,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.run_limits import Budget, Limits, Spend, over_budget, step_verdict
from shared.runs.domain.state import RunState, fold

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TOOLS = ["read_page", "append_blocks", "draft_text", "request_approval", "finish"]


@st.composite
def logs(draw: Any) -> list[RunEvent]:
    """A plausible log: a plan, then steps with intents, errors, usage, human turns, pauses."""
    n = draw(st.integers(1, 30))
    steps = [
        PlannedStep(tool=draw(st.sampled_from(TOOLS)), args={"i": draw(st.integers(0, 2))}) for _ in range(n)
    ]
    events: list[RunEvent] = [RunPlanned(seq=1, at=T0, goal="g", trigger="api", steps=steps, tools=TOOLS)]

    def add(event_type: type, **fields: Any) -> None:
        seq = len(events) + 1
        events.append(event_type(seq=seq, at=T0 + timedelta(seconds=seq), **fields))

    for step in range(1, n + 1):
        tool = steps[step - 1].tool
        for _ in range(draw(st.integers(0, 2))):
            add(ErrorRecorded, step=step, error=draw(st.sampled_from(list(ErrorKind))), message="e")
        if draw(st.booleans()):
            add(ToolIntent, step=step, tool=tool, key=f"r:{step}:1", lease_until=T0)
        if draw(st.booleans()):
            add(ModelUsed, purpose="draft", model="m", input_tokens=3, output_tokens=4, cost_usd=0.01)
        add(ToolResult, step=step, tool=tool, args=steps[step - 1].args, output={"n": step})
        if draw(st.booleans()):
            add(HumanRequested, request_id=f"q{step}", step=step, purpose="approval", prompt="ok?")
            add(HumanResponded, request_id=f"q{step}", decision="approve")
        if draw(st.booleans()):
            add(RunPaused)
            add(RunResumed)
    add(RunFinished, status=RunStatus.COMPLETED, summary="done")
    return events


@settings(max_examples=60, deadline=None)
@given(logs())
def test_folding_a_log_twice_gives_the_same_state(events: list[RunEvent]) -> None:
    assert fold(events) == fold(list(events))


@settings(max_examples=60, deadline=None)
@given(logs())
def test_replaying_a_finished_runs_log_reproduces_its_cached_state_exactly(events: list[RunEvent]) -> None:
    cached = RunState()
    for i in range(0, len(events), 3):  # the run document, updated in batches as the engine does
        cached = fold(events[i : i + 3], cached)
    stored = RunState.model_validate_json(cached.model_dump_json())  # through its JSON form in Firestore
    replayed = fold(events)
    assert replayed == stored and replayed.status == RunStatus.COMPLETED
    assert replayed.cursor == len(replayed.steps) + 1


def planned(*tools: str, args: dict[str, Any] | None = None) -> RunState:
    steps = [PlannedStep(tool=t, args=args or {}) for t in tools]
    return fold([RunPlanned(seq=1, at=T0, goal="g", trigger="t", steps=steps, tools=list(tools))])


def test_a_stale_or_non_running_step_is_acknowledged() -> None:
    state = planned("read_page", "finish")
    assert step_verdict(state, 1, Limits()).action == "act"
    assert step_verdict(state, 2, Limits()).action == "ack"
    paused = fold([RunPaused(seq=2, at=T0)], state)
    assert step_verdict(paused, 1, Limits()).action == "ack"


def test_the_third_identical_call_in_a_row_asks_a_human() -> None:
    state = planned("append_blocks", "append_blocks", "append_blocks", "finish", args={"text": "x"})
    for step in (1, 2):
        assert step_verdict(state, step, Limits()).action == "act"
        state = fold(
            [ToolResult(seq=state.last_seq + 1, at=T0, step=step, tool="append_blocks", args={"text": "x"})],
            state,
        )
    decision = step_verdict(state, 3, Limits())
    assert decision.action == "escalate" and "3 times" in decision.reason


def test_three_fixable_errors_in_a_row_ask_a_human_and_a_result_resets_the_count() -> None:
    state = planned("read_page", "finish")
    for seq in (2, 3, 4):
        state = fold(
            [ErrorRecorded(seq=seq, at=T0, step=1, error=ErrorKind.MODEL_FIXABLE, message="bad args")], state
        )
    assert step_verdict(state, 1, Limits()).action == "escalate"
    state = fold(
        [
            HumanRequested(seq=5, at=T0, request_id="x", step=1, purpose="limit", prompt="p"),
            HumanResponded(seq=6, at=T0, request_id="x", decision="approve"),
        ],
        state,
    )
    assert state.consecutive_errors == 0 and step_verdict(state, 1, Limits()).action == "act"


def test_max_steps_fails_the_run() -> None:
    state = planned(*(["read_page"] * 4), "finish")
    assert step_verdict(state, 1, Limits(max_steps=0)).action == "fail"


def test_budgets_run_day_and_month_and_a_granted_extension() -> None:
    budget = Budget(run_usd=1.0, day_usd=5.0, month_usd=50.0)
    assert over_budget(Spend(0.5, 1.0, 1.0), budget) is None
    assert "run spent" in (over_budget(Spend(1.0, 1.0, 1.0), budget) or "")
    assert over_budget(Spend(1.0, 1.0, 1.0), budget, grants=1) is None
    assert "daily" in (over_budget(Spend(0.1, 5.0, 5.0), budget) or "")
    assert "monthly" in (over_budget(Spend(0.1, 1.0, 50.0), budget) or "")
