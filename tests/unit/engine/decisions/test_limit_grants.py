"""Only approving a budget stop grants the run one more run budget: approving a stop for errors in a
row or a loop lets the run go on within the budget it had. Requests and run documents stored before
the stops said which they are read it from their prompt."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import Forbidden, ModelFixableError
from shared.runs.domain.events import HumanRequested, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.run_limits import Budget, Spend, over_budget
from shared.runs.domain.state import RunState, Waiting
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import state
from tests.support.platform.platform_fakes import FakeModel, FakeQueue


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def stopped(model: FakeModel, **settings: Any) -> Deps:
    """A run driven until it waits for a person."""
    deps = make_deps(model=model, **settings)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do it", trigger=Trigger(kind="api")), deps)
    assert isinstance(deps.queue, FakeQueue)
    for _ in range(50):
        if not deps.queue.tasks:
            break
        body = deps.queue.take()[1]
        if isinstance(body, StepTask):
            run_step(body, deps)
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN
    return deps


DRAFT = ("draft_text", {"instructions": "write"})
FINISH = ("finish", {"summary": "ok"})
BAD = ModelFixableError("the answer did not match the Draft schema")


def errors_in_a_row() -> Deps:
    return stopped(FakeModel({"PlanOut": [plan(DRAFT, FINISH)], "Draft": [BAD, BAD, BAD]}))


def a_loop() -> Deps:
    return stopped(FakeModel({"PlanOut": [plan(DRAFT, DRAFT, DRAFT, FINISH)]}))


@pytest.mark.parametrize("stop", [errors_in_a_row, a_loop])
def test_only_approving_a_budget_stop_grants_budget(stop: Callable[[], Deps]) -> None:
    deps = stop()
    waiting = state(deps).waiting
    assert waiting is not None and waiting.purpose == "limit"
    assert humans.respond(deps, "t1", "r1", "approve").budget_grants == 0
    assert not waiting.budget
    deps = stopped(
        FakeModel({"PlanOut": [plan(DRAFT, DRAFT, FINISH)]}, cost_usd=0.6), default_run_budget_usd=1.0
    )
    waiting = state(deps).waiting
    assert waiting is not None and waiting.budget
    assert humans.respond(deps, "t1", "r1", "approve").budget_grants == 1


def _stored(waiting: Waiting) -> RunState:
    """A run document written before requests said whether they are budgets."""
    data = RunState(status=RunStatus.WAITING_FOR_HUMAN, waiting=waiting).model_dump(mode="json")
    del data["waiting"]["budget"]
    return RunState.model_validate(data)


def test_requests_stored_before_the_field_say_from_their_prompt_whether_they_are_budgets() -> None:
    reason = over_budget(Spend(1.0, 0.0, 0.0), Budget(1.0, 5.0, 50.0))
    prompts = {  # the prompts services/engine.py and services/planning.py write
        f"The run stopped at step 2: {reason}. Approve to continue, reject to end it.": True,
        "Planning stopped: the workspace spent $5.0000 of its $5.00 daily budget. Approve to plan anyway, "
        "reject to drop it.": True,
        "The run stopped at step 2: 3 errors in a row; the last: the run spent $1 of its budget. Approve "
        "to continue, reject to end it.": False,
        "The run stopped at step 3: draft_text would run 3 times in a row with the same arguments. "
        "Approve to continue, reject to end it.": False,
    }
    for prompt, budget in prompts.items():
        fields: dict[str, Any] = {"request_id": "limit-2-9", "step": 2, "purpose": "limit", "prompt": prompt}
        assert (
            HumanRequested.model_validate(fields | {"seq": 9, "at": "2026-01-01T00:00:00Z"}).budget is budget
        )
        assert _stored(Waiting(**fields, budget=budget)).waiting == Waiting(**fields, budget=budget)
    approval: dict[str, Any] = {
        "request_id": "a-1",
        "step": 1,
        "purpose": "approval",
        "prompt": "The run spent $1. OK?",
    }
    assert _stored(Waiting(**approval)).waiting == Waiting(**approval, budget=False)


@pytest.mark.parametrize("stop", [errors_in_a_row, a_loop])
def test_an_api_key_never_lets_a_run_stopped_at_its_limit_continue(stop: Callable[[], Deps]) -> None:
    """ "3 errors in a row, continue?" needs a person: a key approving it again and again
    would undo the limit. A key may still end the run; a person's session continues it."""
    deps = stop()
    waiting = state(deps).waiting
    assert waiting is not None and waiting.purpose == "limit"
    with pytest.raises(Forbidden, match="only a person lets a run stopped at its limit continue"):
        humans.respond(deps, "t1", "r1", "approve", request_id=waiting.request_id, via="key")
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN and state(deps).waiting == waiting
    assert humans.respond(deps, "t1", "r1", "approve", via="session").status != RunStatus.WAITING_FOR_HUMAN


def test_an_api_key_may_end_a_run_stopped_at_its_limit() -> None:
    deps = errors_in_a_row()
    assert humans.respond(deps, "t1", "r1", "reject", via="key").status == RunStatus.CANCELLED
