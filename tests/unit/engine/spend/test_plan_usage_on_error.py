"""A plan answer off the schema was paid for: its usage is in the run's log (and so in the budgets),
like a valid answer's, even when every re-ask fails (the plan queue's next attempt asks again: the
run is kept with them, decision 0050)."""

import pytest

from shared.engine.planning.start import start_run
from shared.platform.errors import TransientError
from shared.runs.domain.events import ErrorRecorded, ModelUsed
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeModel


def test_plan_answers_off_the_schema_are_recorded_as_spent() -> None:
    model = FakeModel({"PlanOut": [{"not": "a plan"}, {"steps": "nor this"}, {"goal": 3}]})
    deps = make_deps(model=model, plan_max_reasks=2)
    with pytest.raises(TransientError):
        start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api")), deps)
    events = deps.store.list_events("t1", "r1")
    used = [e for e in events if isinstance(e, ModelUsed)]
    errors = [e for e in events if isinstance(e, ErrorRecorded)]
    assert len(model.prompts) == 3 and len(errors) == 4  # each answer's, then the attempt's
    assert len(used) == 3 and all(u.purpose == "plan" and u.cost_usd > 0 for u in used)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.cost_usd == sum(u.cost_usd for u in used)
