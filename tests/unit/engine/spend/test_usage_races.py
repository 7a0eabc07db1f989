"""Every model call paid for reaches the run's log as ``model_used``, also the calls of a delivery that
loses the race to another delivery of the same task (Cloud Tasks delivers at least once), and of a
planning that an error stops after paid attempts. The loser records its usage and nothing else; a
writer that finds only such usage in its way records after it; nothing is counted twice."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import StepOutcome, run_step
from shared.engine.services.run_log import StepHeld
from shared.platform.errors import ConfigError, ModelFixableError, PermanentError, TransientError
from shared.runs.domain.events import (
    ErrorRecorded,
    ModelUsed,
    RunEvent,
    RunPlanned,
    RunStatus,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.plan_task import Trigger
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.engine_fakes import Answer, FakeModel, FakeNotion, make_deps
from tests.fakes import FakeQueue, FakeRunStore
from tests.support.engine.usage_races import (
    INVALID,
    STEP,
    TASK,
    HookedModel,
    HookedNotion,
    assert_every_paid_call_recorded,
    log,
)


def started(
    tool: str, args: dict[str, Any], notion: FakeNotion, script: dict[str, list[Answer]] | None = None
) -> tuple[Deps, HookedModel]:
    steps = [(tool, args), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    model = HookedModel({"PlanOut": [plan], **(script or {})})
    deps = make_deps(model=model, notion=notion)
    # The run's own page (its trigger page) is the one it writes: no approval is asked (that is
    # tests/unit/engine/authority/test_authority.py's), so these races are the step's alone.
    start_run(TASK.model_copy(update={"trigger": Trigger(kind="api", page_id=args.get("page_id"))}), deps)
    return deps, model


def fix(text: str, page: str) -> dict[str, Any]:
    return {"args_json": json.dumps({"page_id": page, "text": text})}


def used_alone(state: RunState) -> ModelUsed:
    """A paid call another delivery records alone, right after ``state``."""
    at = datetime.now(UTC)
    return ModelUsed(
        seq=state.last_seq + 1,
        at=at,
        purpose="plan",
        model="m",
        input_tokens=1,
        output_tokens=1,
        cost_usd=0.5,
    )


# --- execute-step: the delivery that loses the race ----------------------------------------------


def test_a_duplicate_whose_result_loses_the_race_keeps_its_paid_repair() -> None:
    notion = HookedNotion()
    deps, model = started("read_page", {"page_id": notion.add_page("P")}, notion)
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(STEP, deps)  # the next attempt asks the model for corrected arguments
    others: list[StepOutcome] = []
    notion.during["retrieve_page"] = lambda: others.append(run_step(STEP, deps))  # repairs, reads, records
    mine = run_step(STEP, deps)  # repaired too, then finds the step recorded

    assert others[0].acted and not mine.acted and "another delivery" in mine.reason
    events = assert_every_paid_call_recorded(deps, model)  # the plan and both repairs
    assert [e.step for e in events if isinstance(e, ToolResult)] == [1]  # nothing else of the loser
    assert isinstance(events[-1], ModelUsed) and isinstance(events[-2], ToolResult)
    assert run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps).status == RunStatus.COMPLETED


@pytest.mark.parametrize(
    "error",
    [TransientError("429", retry_after_s=90.0), TransientError("503"), ConfigError("model: HTTP 403")],
    ids=["long-transient", "short-transient", "config"],
)
def test_a_duplicate_that_fails_after_the_other_recorded_keeps_its_paid_repair(error: Exception) -> None:
    notion = HookedNotion()
    deps, model = started("read_page", {"page_id": notion.add_page("P")}, notion)
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(STEP, deps)

    def other_delivery() -> None:
        assert run_step(STEP, deps).acted
        notion.fail["retrieve_page"] = [error]  # then this delivery's read fails

    notion.during["retrieve_page"] = other_delivery
    try:
        run_step(STEP, deps)
    except type(error):
        pass
    events = assert_every_paid_call_recorded(deps, model)
    assert [e.step for e in events if isinstance(e, ToolResult)] == [1]
    assert not [e for e in events if isinstance(e, ErrorRecorded) and e.error != "model_fixable"]


def test_a_duplicate_that_finds_the_step_held_pays_for_nothing() -> None:
    notion = HookedNotion()
    deps, model = started("add_comment", {"page_id": (page := notion.add_page("P")), "text": "x"}, notion)
    notion.fail["add_comment"] = [ModelFixableError("bad text")]
    run_step(STEP, deps)  # the tool refused: the next attempts repair the arguments

    def other_delivery() -> None:  # while this one holds the intent and writes
        with pytest.raises(StepHeld, match="in progress elsewhere"):
            run_step(STEP, deps)  # it reads the intent past the run document: no repair

    notion.during["add_comment"] = other_delivery
    assert run_step(STEP, deps).acted

    events = assert_every_paid_call_recorded(deps, model)  # the plan and the holder's repair
    assert [name for name, _ in model.prompts].count("ArgsFix") == 1
    assert notion.writes["add_comment"] == 1 and len(notion.comments[page]) == 1
    kinds = [e.kind for e in events[-4:]]
    assert kinds == ["error_recorded", "tool_intent", "model_used", "tool_result"]
    assert run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps).status == RunStatus.COMPLETED


def test_a_refusal_followed_by_a_duplicates_usage_is_still_repaired() -> None:
    notion = HookedNotion()
    page = notion.add_page("P")
    fixes: list[Answer] = [fix("other", page), fix("mine", page), fix("final", page)]
    deps, model = started("add_comment", {"page_id": page, "text": "x"}, notion, {"ArgsFix": fixes})
    notion.fail["add_comment"] = [ModelFixableError("bad text")]
    run_step(STEP, deps)

    def other_delivery() -> None:  # repairs ("other") first; the tool refuses that too
        notion.fail["add_comment"] = [ModelFixableError("still bad")]
        run_step(STEP, deps)

    model.during["ArgsFix"] = other_delivery
    with pytest.raises(StepHeld, match="in progress elsewhere"):
        run_step(STEP, deps)  # repaired ("mine"), then finds the other's intent: keeps its usage
    events, _ = log(deps)
    assert isinstance(events[-1], ModelUsed) and isinstance(events[-2], ErrorRecorded)

    assert run_step(STEP, deps).acted  # the refusal before that usage: repaired again, not retried as is
    [done] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert done.args["text"] == "final"
    assert_every_paid_call_recorded(deps, model)


def test_a_duplicate_that_finds_the_run_moved_on_keeps_its_paid_repair() -> None:
    notion = HookedNotion()
    page = notion.add_page("P")
    fixes: list[Answer] = [{"args_json": 3}, fix("mine", page)]  # the other's answer is off the schema
    deps, model = started("add_comment", {"page_id": page, "text": "x"}, notion, {"ArgsFix": fixes})
    notion.fail["add_comment"] = [ModelFixableError("bad text")]
    run_step(STEP, deps)
    others: list[StepOutcome] = []
    model.during["ArgsFix"] = lambda: others.append(run_step(STEP, deps))  # records its paid error
    mine = run_step(STEP, deps)

    assert mine.reason == "another delivery moved the run on" and not mine.acted
    assert_every_paid_call_recorded(deps, model)
    assert notion.writes["add_comment"] == 0


# --- a writer that finds only usage recorded alone in its way ------------------------------------


def test_a_result_goes_after_usage_another_delivery_recorded_alone() -> None:
    notion = HookedNotion()
    deps, _ = started("read_page", {"page_id": notion.add_page("P")}, notion)

    def usage_alone() -> None:
        run = deps.store.get_run("t1", "r1")
        assert run is not None
        assert deps.store.append("t1", "r1", run.state, [used_alone(run.state)]) is not None

    notion.during["retrieve_page"] = usage_alone
    outcome = run_step(STEP, deps)

    assert outcome.acted and outcome.cursor == 2
    events, state = log(deps)
    assert [e.kind for e in events[-2:]] == ["model_used", "tool_result"]
    assert state.cost_usd == pytest.approx(0.001 + 0.5)
    assert isinstance(deps.queue, FakeQueue)
    assert deps.queue.tasks[-1][2] == f"step:t1:r1:2:{state.last_seq}"  # the next step is enqueued


class UsageBeforeIntent(FakeRunStore):
    """Just before the next intent is created, another delivery's paid call is recorded alone."""

    armed = False

    def add_event(self, tenant_id: str, run_id: str, event: RunEvent) -> bool:
        if self.armed and isinstance(event, ToolIntent):
            self.armed = False
            run = self.get_run(tenant_id, run_id)
            assert run is not None and self.append(tenant_id, run_id, run.state, [used_alone(run.state)])
        return super().add_event(tenant_id, run_id, event)


def test_an_intent_goes_after_usage_another_delivery_recorded_alone() -> None:
    notion, store = HookedNotion(), UsageBeforeIntent()
    page = notion.add_page("P")
    steps = [("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    deps = make_deps(model=FakeModel({"PlanOut": [plan]}), notion=notion, store=store)
    start_run(TASK.model_copy(update={"trigger": Trigger(kind="api", page_id=page)}), deps)
    store.armed = True

    assert run_step(STEP, deps).acted
    events, _ = log(deps)
    assert [e.kind for e in events[-3:]] == ["model_used", "tool_intent", "tool_result"]
    assert notion.writes["add_comment"] == 1


class AppliedThenRefused(FakeRunStore):
    """The next append is written and answered as refused: Firestore's client retried a commit that
    had gone through (UNAVAILABLE after it was applied), and the retry found its events existing."""

    armed = False

    def append(self, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        new = super().append(tenant_id, run_id, state, events)
        if self.armed and new is not None:
            self.armed = False
            return None
        return new


def test_a_write_that_went_through_unacknowledged_is_neither_lost_nor_counted_twice() -> None:
    store = AppliedThenRefused()
    steps = [("draft_text", {"instructions": "write"}), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    model = FakeModel({"PlanOut": [plan]})
    deps = make_deps(model=model, store=store)
    start_run(TASK, deps)
    store.armed = True

    outcome = run_step(STEP, deps)  # the draft is paid for, and its result written once
    assert outcome.acted and outcome.cursor == 2
    assert_every_paid_call_recorded(deps, model)
    assert isinstance(deps.queue, FakeQueue) and deps.queue.tasks[-1][2].startswith("step:t1:r1:2:")


# --- planning ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error", [TransientError("model: HTTP 429"), ConfigError("model refused the call: HTTP 403")]
)
def test_an_error_on_a_re_ask_keeps_the_paid_attempts_once(error: Exception) -> None:
    model = FakeModel({"PlanOut": [INVALID, {"not": "a plan"}, error]})
    deps = make_deps(model=model, plan_max_reasks=2)
    with pytest.raises(type(error)):
        start_run(TASK, deps)
    events = assert_every_paid_call_recorded(deps, model, unpaid=1)  # two answers paid, then the error
    _, state = log(deps)
    assert state.status == RunStatus.RUNNING and not state.steps and state.goal == "do"

    assert start_run(TASK, deps) is False  # the task's retry plans into that run
    events = assert_every_paid_call_recorded(deps, model, unpaid=1)
    _, state = log(deps)
    assert state.steps and state.status == RunStatus.RUNNING
    assert len([e for e in events if isinstance(e, RunPlanned)]) == 2
    assert isinstance(deps.queue, FakeQueue) and deps.queue.tasks[-1][2].startswith("step:t1:r1:1:")


def no_steps_yet(store: FakeRunStore) -> None:
    """A run approved after a budget stop at planning: running, no steps, planned by the next task."""
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="do", trigger="api", steps=[])
    assert store.create_run("t1", "r1", [head])


def test_a_transient_error_on_a_re_ask_of_a_replan_keeps_the_paid_attempts() -> None:
    store = FakeRunStore()
    no_steps_yet(store)
    model = FakeModel({"PlanOut": [INVALID, TransientError("model: HTTP 429")]})
    deps = make_deps(model=model, store=store, plan_max_reasks=2)
    with pytest.raises(TransientError):
        start_run(TASK, deps)
    assert_every_paid_call_recorded(deps, model, unpaid=1)

    assert start_run(TASK, deps) is False
    assert_every_paid_call_recorded(deps, model, unpaid=1)
    assert log(deps)[1].steps


def test_a_replan_that_fails_for_good_after_a_paid_attempt_keeps_it() -> None:
    store = FakeRunStore()
    no_steps_yet(store)
    model = FakeModel({"PlanOut": [INVALID, PermanentError("the model refused for good")]})
    deps = make_deps(model=model, store=store, plan_max_reasks=2)
    start_run(TASK, deps)
    events = assert_every_paid_call_recorded(deps, model, unpaid=1)
    _, state = log(deps)
    assert state.status == RunStatus.FAILED and "refused for good" in state.summary
    assert [e.kind for e in events[1:]] == ["model_used", "error_recorded", "run_finished"]


def test_a_duplicate_plan_delivery_that_loses_keeps_its_paid_plan() -> None:
    model = HookedModel()
    deps = make_deps(model=model)
    created: list[bool] = []
    model.during["PlanOut"] = lambda: created.append(start_run(TASK, deps))
    assert start_run(TASK, deps) is False and created == [True]
    events = assert_every_paid_call_recorded(deps, model)  # both plans
    assert len([e for e in events if isinstance(e, RunPlanned)]) == 1


def test_a_duplicate_replan_delivery_that_loses_keeps_its_paid_plan() -> None:
    store = FakeRunStore()
    no_steps_yet(store)
    model = HookedModel()
    deps = make_deps(model=model, store=store)
    model.during["PlanOut"] = lambda: start_run(TASK, deps)
    start_run(TASK, deps)
    events = assert_every_paid_call_recorded(deps, model)
    assert len([e for e in events if isinstance(e, RunPlanned)]) == 2  # the head, and one plan
    assert isinstance(events[-1], ModelUsed)


class Died(BaseException):
    """The instance is killed: no handler runs (the engine's for unexpected errors neither)."""


def test_usage_recorded_after_a_crashed_holders_intent_is_walked_past_by_the_takeover() -> None:
    notion = HookedNotion()
    fixes: list[Answer] = [
        fix("holder", (page := notion.add_page("P"))),
        fix("other", page),
    ]  # the holder asks first
    deps, model = started("add_comment", {"page_id": page, "text": "x"}, notion, {"ArgsFix": fixes})
    notion.fail["add_comment"] = [ModelFixableError("bad text")]
    run_step(STEP, deps)

    def holder() -> None:  # repairs, records its intent and dies before writing
        notion.fail["add_comment"] = [Died()]
        with pytest.raises(Died):
            run_step(STEP, deps)

    model.during["ArgsFix"] = holder  # while the other delivery, which read before it, repairs
    with pytest.raises(StepHeld, match="in progress elsewhere"):
        run_step(STEP, deps)  # its repair is recorded after the holder's intent
    assert [e.kind for e in deps.store.list_events("t1", "r1")[-2:]] == ["tool_intent", "model_used"]

    later = datetime.now(UTC) + timedelta(seconds=deps.settings.step_lease_s + 1)
    assert run_step(STEP, deps._replace(clock=lambda: later)).acted  # takes the expired intent over
    events = assert_every_paid_call_recorded(deps, model, unpaid=1)  # the holder's repair died with it
    assert [e.kind for e in events[-4:]] == [
        "tool_intent",  # the holder's, expired
        "model_used",  # the other delivery's repair
        "tool_intent",  # the takeover's, with the holder's arguments (no repair of its own)
        "tool_result",
    ]
    assert [e.args["text"] for e in events if isinstance(e, ToolResult)] == ["holder"]
    assert notion.writes["add_comment"] == 1 and len(notion.comments[page]) == 1
