"""Shared by several test modules: helpers first written for ``tests/unit/engine/spend/test_usage_races.py``."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from shared.platform.domain.model_calls import ModelReply
from shared.runs.domain.events import ModelUsed, RunEvent
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState, fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


TASK = PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api"))


Hook = Callable[[], object]


@dataclass
class HookedNotion(FakeNotion):
    """``during[method]`` runs once, inside the next call of that method (before it does anything):
    another delivery of the same task at that moment."""

    during: dict[str, Hook] = field(default_factory=dict)

    def _maybe_fail(self, name: str) -> None:
        hook = self.during.pop(name, None)
        if hook is not None:
            hook()
        super()._maybe_fail(name)


@dataclass
class HookedModel(FakeModel):
    """``during[schema]`` runs once, inside the next call for that schema (before it answers)."""

    during: dict[str, Hook] = field(default_factory=dict)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        hook = self.during.pop(schema.__name__, None)
        if hook is not None:
            hook()
        return super().generate(tier, prompt, schema)


def log(deps: Deps) -> tuple[list[RunEvent], RunState]:
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    events = deps.store.list_events("t1", "r1")
    assert run.state == fold(events)  # the cached state is the log's, whoever wrote last
    return events, run.state


def assert_every_paid_call_recorded(deps: Deps, model: FakeModel, unpaid: int = 0) -> list[RunEvent]:
    """``unpaid``: calls answered by a scripted exception (no answer, nothing to pay)."""
    events, state = log(deps)
    paid = len(model.prompts) - unpaid
    assert len([e for e in events if isinstance(e, ModelUsed)]) == paid
    assert state.cost_usd == pytest.approx(model.cost_usd * paid)
    return events


INVALID = {"goal": "g", "risk": "low", "steps": [{"tool": "no_such_tool", "args_json": "{}"}]}
