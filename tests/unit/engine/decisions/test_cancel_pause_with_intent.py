"""Cancel and pause while a step holds an intent past the run document (``shared/engine/services/humans.py``).

A step records its intent without the run document, so the log runs one event ahead of it until the
step records. A change built on the document alone took the intent's seq and lost, every time. Now:
while the intent's lease lasts the change is a 409 saying when to try again; once it ran out (the
holder died) the change is recorded after the intent, and the step never acts twice.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import Conflict
from shared.platform.topology import Queue
from shared.runs.domain.events import (
    HumanRequested,
    ModelUsed,
    PlannedStep,
    RunPlanned,
    RunStatus,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunEvent, RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.engine_fakes import FakeModel, FakeNotion, make_deps
from tests.fakes import FakeQueue, FakeRunStore

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
LEASE_S = 30.0  # make_deps' step_lease_s


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def used(seq: int) -> ModelUsed:
    return ModelUsed(
        seq=seq, at=T0, purpose="plan", model="m", input_tokens=1, output_tokens=1, cost_usd=0.001
    )


def intent(seq: int, tool: str, args: dict[str, Any]) -> ToolIntent:
    return ToolIntent(
        seq=seq,
        at=T0,
        step=1,
        tool=tool,
        args=args,
        key="r1:1:1",
        lease_until=T0 + timedelta(seconds=LEASE_S),
    )


def holding_run(clock: Clock, notion: FakeNotion | None = None) -> tuple[Deps, FakeNotion]:
    """The review's log: [run_planned, model_used, tool_intent], the run document at seq 2."""
    notion = notion or FakeNotion()
    args = {"page_id": notion.add_page("P"), "text": "once"}
    deps = make_deps(notion=notion)._replace(clock=clock)
    steps = [PlannedStep(tool="append_blocks", args=args), PlannedStep(tool="finish", args={"summary": "ok"})]
    planned = RunPlanned(
        seq=1, at=T0, goal="g", trigger="api", steps=steps, tools=["append_blocks", "finish"]
    )
    assert deps.store.create_run("t1", "r1", [planned, used(2)])
    assert deps.store.add_event("t1", "r1", intent(3, "append_blocks", args))
    return deps, notion


def state(deps: Deps, run_id: str = "r1") -> RunState:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def kinds(deps: Deps, run_id: str = "r1") -> list[str]:
    return [e.kind for e in deps.store.list_events("t1", run_id)]


def queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def test_cancel_and_pause_while_a_live_intent_is_past_the_document_say_when_to_try_again() -> None:
    clock = Clock()
    deps, _ = holding_run(clock)
    clock.now = T0 + timedelta(seconds=10)
    actions: tuple[Literal["cancel", "pause"], ...] = ("cancel", "pause")
    for action in actions:
        with pytest.raises(
            Conflict, match=r"step 1 \(append_blocks\) right now.* in 20 s \(when its lease runs out"
        ):
            humans.control(deps, "t1", "r1", action)
    assert kinds(deps) == ["run_planned", "model_used", "tool_intent"] and queue(deps).tasks == []
    # An intent the document folds in holds nothing: a step stopped for its budget after its intent
    # (engine._record_paid) waits for a person, and is decided and cancelled at once.
    draft = intent(2, "draft_text", {"instructions": "x"})
    ask = HumanRequested(
        seq=4, at=T0, request_id="limit-1-4", step=1, purpose="limit", prompt="?", budget=True
    )
    planned = RunPlanned(seq=1, at=T0, goal="g", trigger="api", steps=[PlannedStep(tool="draft_text")])
    assert deps.store.create_run("t1", "r2", [planned, draft, used(3), ask])
    assert humans.respond(deps, "t1", "r2", "approve", request_id="limit-1-4").status == RunStatus.RUNNING
    assert humans.control(deps, "t1", "r2", "cancel").status == RunStatus.CANCELLED


def test_once_the_lease_ran_out_pause_and_cancel_are_recorded_after_the_intent() -> None:
    clock = Clock()
    deps, notion = holding_run(clock)
    clock.now = T0 + timedelta(seconds=LEASE_S + 1)  # the holder died
    paused = humans.control(deps, "t1", "r1", "pause")
    assert paused.status == RunStatus.PAUSED and paused.last_seq == 4
    retry = StepTask(tenant_id="t1", run_id="r1", step=1)  # the queue's retry of the dead step
    assert not run_step(retry, deps).acted
    assert humans.control(deps, "t1", "r1", "cancel", "not now").status == RunStatus.CANCELLED
    assert not run_step(retry, deps).acted
    assert kinds(deps) == ["run_planned", "model_used", "tool_intent", "run_paused", "run_cancelled"]
    assert state(deps).summary == "not now" and notion.writes["append_blocks"] == 0
    assert "notify:t1:r1-cancelled" in queue(deps).names


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"goal": "g", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def started(clock: Clock) -> tuple[Deps, FakeNotion]:
    notion = FakeNotion()
    args = {"page_id": notion.add_page("P"), "text": "once"}
    model = FakeModel({"PlanOut": [plan(("append_blocks", args), ("finish", {"summary": "ok"}))]})
    deps = make_deps(model=model, notion=notion)._replace(clock=clock)
    start_run(
        PlanTask(
            tenant_id="t1", run_id="r1", goal="do it", trigger=Trigger(kind="api", page_id=args["page_id"])
        ),
        deps,
    )
    return deps, notion


def step_tasks(deps: Deps) -> list[StepTask]:
    return [b for q, b, _, _ in queue(deps).tasks if q == Queue.EXECUTE_STEP and isinstance(b, StepTask)]


def drive(deps: Deps) -> None:
    while queue(deps).tasks:
        q, body, _, _ = queue(deps).take()
        if q == Queue.EXECUTE_STEP and isinstance(body, StepTask):
            run_step(body, deps)


def crash_on_result(deps: Deps) -> None:
    """The next write of a step's result dies with its instance (after the effect)."""
    store = deps.store
    assert isinstance(store, FakeRunStore)

    def append(tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        if any(isinstance(e, ToolResult) for e in events):
            del vars(store)["append"]
            raise RuntimeError("the instance died")
        return FakeRunStore.append(store, tenant_id, run_id, state, events)

    vars(store)["append"] = append


def test_a_run_paused_after_its_step_died_mid_write_finds_the_write_when_resumed() -> None:
    clock = Clock()
    deps, notion = started(clock)
    [first] = step_tasks(deps)
    queue(deps).tasks.clear()
    crash_on_result(deps)
    with pytest.raises(RuntimeError):
        run_step(first, deps)
    assert notion.writes["append_blocks"] == 1 and kinds(deps)[-1] == "tool_intent"
    with pytest.raises(Conflict, match=rf"in {LEASE_S:.0f} s \(when its lease runs out"):
        humans.control(deps, "t1", "r1", "pause")
    clock.now += timedelta(seconds=LEASE_S + 1)
    assert humans.control(deps, "t1", "r1", "pause").status == RunStatus.PAUSED
    assert not run_step(first, deps).acted  # the queue retries the dead step: the run is paused
    assert humans.control(deps, "t1", "r1", "resume").status == RunStatus.RUNNING
    drive(deps)
    assert state(deps).status == RunStatus.COMPLETED
    assert notion.writes["append_blocks"] == 1  # found by its key, not written again
    [result, _] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert result.step == 1 and result.reconciled


def during_the_write(notion: FakeNotion, meanwhile: Callable[[], None]) -> None:
    original = notion.append_blocks

    def append_blocks(token: str, block_id: str, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        meanwhile()
        return original(token, block_id, blocks)

    vars(notion)["append_blocks"] = append_blocks


def test_a_step_that_outlived_its_lease_records_nothing_after_the_cancel_and_does_nothing_again() -> None:
    clock = Clock()
    deps, notion = started(clock)
    [first] = step_tasks(deps)
    tries: list[RunState | Conflict] = []

    def owner_cancels() -> None:
        for wait in (0, LEASE_S + 1):  # at once, and after the write hung past its lease
            clock.now += timedelta(seconds=wait)
            try:
                tries.append(humans.control(deps, "t1", "r1", "cancel"))
            except Conflict as exc:
                tries.append(exc)

    during_the_write(notion, owner_cancels)
    outcome = run_step(first, deps)
    [refused, cancelled] = tries
    assert isinstance(cancelled, RunState) and cancelled.status == RunStatus.CANCELLED
    assert isinstance(refused, Conflict) and f"in {LEASE_S:.0f} s (when its lease runs out" in refused.reason
    assert not outcome.acted and outcome.reason == "recorded by another delivery"  # its result collided
    assert state(deps).status == RunStatus.CANCELLED and kinds(deps)[-2:] == ["tool_intent", "run_cancelled"]
    assert not run_step(first, deps).acted
    assert notion.writes["append_blocks"] == 1
    assert [t.step for t in step_tasks(deps)] == [1]  # the original task only: no step 2


def test_the_409_of_a_cancel_while_a_step_acts_tells_a_client_when_to_try_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through api: the wait is in the answer's Retry-After, not only in its words."""
    from shared.team.services.sessions import start_session
    from tests.api_fakes import client
    from tests.support.runs.api_runs import auth, fake_container

    fakes = fake_container(monkeypatch)
    now = datetime.now(UTC)
    args = {"page_id": "p-1", "text": "once"}
    steps = [PlannedStep(tool="append_blocks", args=args), PlannedStep(tool="finish", args={"summary": "ok"})]
    planned = RunPlanned(
        seq=1, at=now, goal="g", trigger="api", steps=steps, tools=["append_blocks", "finish"]
    )
    assert fakes.store.create_run("t1", "r1", [planned])
    held = intent(2, "append_blocks", args).model_copy(update={"lease_until": now + timedelta(seconds=20)})
    assert fakes.store.add_event("t1", "r1", held)
    answer = client("api", fakes).post("/runs/r1/cancel", headers=auth(start_session("t1", fakes.secrets)))
    assert answer.status_code == 409 and answer.json is not None
    assert (
        answer.headers["Retry-After"] in {"19", "20"}
        and "s (when its lease runs out" in answer.json["reason"]
    )
