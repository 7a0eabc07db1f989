"""Approving a budget stop while the workspace's day or month budget is still spent is refused, with
what to do, instead of being recorded and stopping the run again at its next model call (the day and
month budgets are hard; an approval grants the run one more *run* budget only)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import Conflict
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.link_tokens import decision_token
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps, raise_budget
from tests.support.engine.engine_runs import state
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def stopped_at_planning(**budgets: float) -> Deps:
    chosen: dict[str, Any] = dict(budgets)
    deps = make_deps(model=FakeModel({"PlanOut": [FINISH_PLAN]}), **chosen)._replace(clock=lambda: T0)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="Tidy my tasks", trigger=Trigger(kind="api")), deps)
    waiting = state(deps).waiting
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN and waiting is not None and waiting.budget
    queue(deps).tasks.clear()
    return deps


def queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


@pytest.mark.parametrize(
    ("budgets", "says"),
    [
        ({"default_day_budget_usd": 0.0}, ("daily budget", "after midnight UTC", "max_cost_per_day_usd")),
        (
            {"default_month_budget_usd": 0.0},
            ("monthly budget", "1st of next month", "max_cost_per_month_usd"),
        ),
    ],
)
def test_approving_while_the_workspace_budget_is_spent_is_refused_and_records_nothing(
    budgets: dict[str, float], says: tuple[str, ...]
) -> None:
    deps = stopped_at_planning(**budgets)
    before = state(deps)
    with pytest.raises(Conflict) as caught:
        humans.respond(
            deps, "t1", "r1", "approve", request_id=before.waiting.request_id if before.waiting else None
        )
    for words in (*says, "reject to end the run"):
        assert words in caught.value.reason
    assert state(deps) == before  # still waiting for the same request; nothing appended
    assert not queue(deps).tasks
    assert humans.respond(deps, "t1", "r1", "reject").status == RunStatus.CANCELLED  # rejecting still works


def test_once_the_owner_raises_the_budget_the_same_approval_goes_through_and_the_run_is_planned() -> None:
    deps = stopped_at_planning(default_day_budget_usd=0.0)
    with pytest.raises(Conflict):
        humans.respond(deps, "t1", "r1", "approve")
    raise_budget(deps, max_cost_per_day_usd=5.0)
    assert humans.respond(deps, "t1", "r1", "approve").status == RunStatus.RUNNING
    for _ in range(10):
        if not queue(deps).tasks:
            break
        _, body, _, _ = queue(deps).take()
        if isinstance(body, PlanTask):
            start_run(body, deps)
        elif isinstance(body, StepTask):
            run_step(body, deps)
    assert state(deps).status == RunStatus.COMPLETED


def test_a_refused_approval_link_stays_usable() -> None:
    deps = stopped_at_planning(default_day_budget_usd=0.0)
    waiting = state(deps).waiting
    assert waiting is not None
    token = decision_token(deps, "t1", "r1", waiting.request_id, "approve", epoch="epoch-t1")
    with pytest.raises(Conflict, match="daily budget"):
        humans.respond_by_link(deps, token)
    raise_budget(deps, max_cost_per_day_usd=5.0)
    assert humans.respond_by_link(deps, token).status == RunStatus.RUNNING


def test_a_stop_for_the_run_budget_alone_is_approved_as_before() -> None:
    deps = stopped_at_planning(default_run_budget_usd=0.0)
    assert humans.respond(deps, "t1", "r1", "approve").status == RunStatus.RUNNING
