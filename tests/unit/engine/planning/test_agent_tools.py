"""An agent's tools: a plan that uses a tool its agent may not use ends the run, saying which, and
nothing runs; the same plan for an agent allowed those tools goes ahead."""

import functools
from datetime import UTC, datetime

from shared.agents.domain.agents import Agent, InstructionsVersion, Reach
from shared.engine.planning.start import start_run
from shared.runs.domain.events import RunFinished, RunPlanned, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import run_until_held
from tests.support.platform.platform_fakes import FakeModel

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
PLAN = {
    "goal": "Tell the team",
    "risk": "low",
    "on_reject": "end",
    "steps": [
        {
            "tool": "send_notification",
            "args_json": '{"subject": "Week", "text": "Done."}',
            "rationale": "tell",
        },
        {"tool": "finish", "args_json": '{"summary": "told"}', "rationale": "end"},
    ],
}


def _run(tools: tuple[str, ...]) -> list[object]:
    agents = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Tell the team what finished this week.")
    agents.create(
        "t1", Agent(agent_id="w", name="Weekly", created_at=NOW, updated_at=NOW, tools=tools, accepted=words)
    )
    deps = make_deps(model=FakeModel(script={"PlanOut": [PLAN]}))._replace(agents_source=lambda: agents)
    task = PlanTask(
        tenant_id="t1", run_id="routine-w-0-2026010509", trigger=Trigger(kind="schedule"), agent_id="w"
    )
    start_run(task, deps)
    return list(deps.store.list_events("t1", task.run_id))


def test_a_plan_with_a_tool_the_agent_may_not_use_ends_the_run() -> None:
    planned, *rest = _run(("read_page",))
    assert isinstance(planned, RunPlanned) and not planned.steps and planned.agent_id == "w"
    assert "Use only these tools: read_page." in planned.goal
    ended = rest[-1]
    assert isinstance(ended, RunFinished) and ended.status == RunStatus.FAILED
    assert "send_notification" in ended.summary and "Weekly" in ended.summary


def test_the_same_plan_goes_ahead_for_an_agent_allowed_its_tools() -> None:
    planned, *_ = _run(("send_notification",))
    assert isinstance(planned, RunPlanned) and [s.tool for s in planned.steps][-1] == "finish"
    planned, *_ = _run(())  # no list: every tool
    assert isinstance(planned, RunPlanned) and planned.steps


def test_the_agent_s_reach_is_recorded_in_its_run_s_plan() -> None:
    agents = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Tell the team what finished this week.")
    source = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
    reach = Reach(read=[source], change=[])
    agents.create(
        "t1", Agent(agent_id="w", name="Weekly", created_at=NOW, updated_at=NOW, reach=reach, accepted=words)
    )
    deps = make_deps(model=FakeModel(script={"PlanOut": [PLAN]}))._replace(agents_source=lambda: agents)
    task = PlanTask(tenant_id="t1", run_id="r-w", trigger=Trigger(kind="schedule"), agent_id="w")
    start_run(task, deps)
    planned = next(iter(deps.store.list_events("t1", "r-w")))
    assert isinstance(planned, RunPlanned) and planned.steps
    assert planned.reach_read == [source.replace("-", "")] and planned.reach_change == []
    run = deps.store.get_run("t1", "r-w")
    assert run is not None and run.state.reach_read == (source.replace("-", ""),)


def test_the_agent_s_model_tier_chooses_the_model_of_its_calls() -> None:
    for tier, plan_call, draft_call in (
        ("fast", "fast", "fast"),
        ("standard", "fast", "strong"),
        ("best", "strong", "strong"),
    ):
        agents = FakeAgents()
        words = InstructionsVersion(content_hash="0" * 16, text="Draft a line.")
        agent = Agent(agent_id="w", name="W", created_at=NOW, updated_at=NOW, model_tier=tier, accepted=words)
        agents.create("t1", agent)
        drafted = {
            **PLAN,
            "steps": [{"tool": "draft_text", "args_json": '{"instructions": "a line"}'}, PLAN["steps"][1]],
        }
        model = FakeModel(script={"PlanOut": [drafted]})
        deps = make_deps(model=model)._replace(agents_source=functools.partial(lambda a: a, agents))
        task = PlanTask(tenant_id="t1", run_id="r1", trigger=Trigger(kind="schedule"), agent_id="w")
        start_run(task, deps)
        run_until_held(deps)
        assert model.tiers == [plan_call, draft_call], tier
