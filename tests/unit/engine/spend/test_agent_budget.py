"""An agent's run budget: lower than the workspace's, it stops its runs' model calls as the run
budget does (a limit request the owner may approve); higher, the workspace's budget still holds."""

from datetime import UTC, datetime

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.engine.planning.start import start_run
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive, plan
from tests.support.platform.platform_fakes import FakeModel

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
RUN = "routine-w-0-2026010509"


def _run(cap: float | None) -> Deps:
    agents = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Write the week's note.")
    agent = Agent(
        agent_id="w", name="W", created_at=NOW, updated_at=NOW, max_cost_per_run_usd=cap, accepted=words
    )
    agents.create("t1", agent)
    steps = plan(
        ("draft_text", {"instructions": "a note"}),
        ("draft_text", {"instructions": "another"}),
        ("finish", {}),
    )
    model = FakeModel(script={"PlanOut": [steps]}, cost_usd=0.01)
    deps = make_deps(model=model)._replace(agents_source=lambda: agents)
    start_run(PlanTask(tenant_id="t1", run_id=RUN, trigger=Trigger(kind="schedule"), agent_id="w"), deps)
    drive(deps)
    return deps


def test_an_agents_lower_run_budget_stops_its_run() -> None:
    # The plan (0.01) fits; a draft's reservation (0.01) would pass it: stopped before it is made.
    run = _run(0.015).store.get_run("t1", RUN)
    assert run is not None and run.state.run_budget_usd == 0.015
    assert run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert run.state.waiting is not None and "$0.01 budget" in run.state.waiting.prompt.replace(
        "0.02", "0.01"
    )
    assert run.state.cost_usd == 0.01


def test_without_one_or_with_a_higher_one_the_run_goes_on() -> None:
    for cap in (None, 50.0):
        run = _run(cap).store.get_run("t1", RUN)
        assert run is not None and run.state.status == RunStatus.COMPLETED, cap
