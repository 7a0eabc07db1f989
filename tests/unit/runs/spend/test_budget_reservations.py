"""A model call reserves on every budget it counts against before it is made, and the reservation is
settled to its cost when it ends (decision 0084): a run one call from its budget stops before the
call, not after it; calls under way count against the day's budget; a failed call gives it back."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.services.model_recorder import Recorder
from shared.engine.services.step_outcomes import OverBudget
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.platform.domain.model_replies import Draft
from shared.platform.errors import TransientError
from shared.runs.domain.state import RunState
from shared.runs.services import spend
from shared.runs.services.deps import Deps, RunRef
from tests.support.engine.engine_fakes import make_deps, raise_budget
from tests.support.runs.run_store import FakeRunStore

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


class PricedModel:
    """Answers at ``cost``; raises a 429 (nothing paid) when told to."""

    def __init__(self, cost: float) -> None:
        self.cost, self.calls, self.fail = cost, 0, False

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.calls += 1
        if self.fail:
            raise TransientError("model: HTTP 429")
        return ModelReply(schema.model_validate({"text": "ok"}), ModelUsage("m", 10, 10, self.cost))


def _deps(model: PricedModel, **settings: float) -> Deps:
    defaults: dict[str, Any] = {"default_run_budget_usd": 1.0, "model_call_reserve_usd": 0.05}
    return make_deps(model, **(defaults | settings))._replace(clock=lambda: NOW)


def _counter(deps: Deps, name: str) -> float:
    store = deps.store
    assert isinstance(store, FakeRunStore)
    return store.counters[("t1", name)]


def test_a_call_that_could_pass_the_run_budget_is_refused_before_it_is_made() -> None:
    model = PricedModel(0.05)
    deps = _deps(model)
    state = RunState(goal="g", trigger="api", cost_usd=0.96)  # under $1, but not by one reservation
    with pytest.raises(OverBudget, match=r"the run spent \$0\.9600 of its \$1\.00 budget"):
        Recorder(deps, "t1", state, run=RunRef(deps, "t1", "r1")).generate("strong", "p", Draft)
    assert model.calls == 0  # the code before made it, and the run ended at $1.01


def test_a_reservation_is_released_when_the_call_fails_and_settled_to_its_cost() -> None:
    model = PricedModel(0.03)
    deps = _deps(model)
    state = RunState(goal="g", trigger="api", cost_usd=0.2)
    model.fail = True
    with pytest.raises(TransientError):
        Recorder(deps, "t1", state, run=RunRef(deps, "t1", "r1")).generate("strong", "p", Draft)
    assert _counter(deps, "run-r1") == pytest.approx(0.2)  # its start, the run's recorded cost
    assert _counter(deps, "day-2026-11-20") == pytest.approx(0.0)
    model.fail = False
    Recorder(deps, "t1", state, run=RunRef(deps, "t1", "r1")).generate("strong", "p", Draft)
    assert _counter(deps, "run-r1") == pytest.approx(0.23)
    assert _counter(deps, "day-2026-11-20") == pytest.approx(0.03)
    assert _counter(deps, "month-2026-11") == pytest.approx(0.03)


def test_calls_under_way_count_against_the_days_budget() -> None:
    deps = _deps(PricedModel(0.01), default_day_budget_usd=0.1)
    with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "a")) as first:
        with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "b")) as second:
            assert not first.problem and not second.problem  # 0.05 + 0.05: the day's 0.1, exactly
            with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "c")) as third:
                assert third.problem.startswith("the workspace spent $0.1000 of its $0.10 daily budget")
            second.paid(0.01)
        first.paid(0.01)
    assert _counter(deps, "day-2026-11-20") == pytest.approx(0.02)
    with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "c")) as again:  # the room is back
        assert not again.problem


def test_a_person_raising_a_budget_is_seen_at_the_next_refusal() -> None:
    deps = _deps(PricedModel(0.01), default_run_budget_usd=0.04, spend_cache_ttl_s=600.0)
    with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "r1")) as call:
        assert call.problem.startswith("the run spent $0.0000 of its $0.04 budget")
    raise_budget(deps, max_cost_per_run_usd=0.5)  # the cached budgets still say 0.04
    with spend.model_call(deps, "t1", 0.0, 0, run=RunRef(deps, "t1", "r1")) as call:
        assert not call.problem
