"""Shared by the hand-off and children tests (unit and red team): agents, the child runs a run started,
and a child run with the plan a test gives it, stepped to its end with the owner approving."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.engine.planning.start import start_run
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.engine_fakes import FakeModel, run_step_as_owner
from tests.fakes import FakeAgents
from tests.support.engine.engine_runs import queue

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def agents(*ids: str) -> FakeAgents:
    """Agents ``ids`` of tenant t1, each with accepted instructions and no reach of its own."""
    store = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Summarise what you are given.")
    for agent_id in ids:
        store.create(
            "t1",
            Agent(agent_id=agent_id, name=agent_id.title(), created_at=NOW, updated_at=NOW, accepted=words),
        )
    return store


def handed(deps: Deps) -> list[PlanTask]:
    """The plan tasks of the child runs enqueued so far."""
    return [b for q, b, _, _ in queue(deps).tasks if q == Queue.PLAN and isinstance(b, PlanTask)]


def child_plans(deps: Deps, store: FakeAgents, *steps: tuple[str, dict[str, Any]]) -> Deps:
    """``deps`` whose model plans ``steps`` then finish, with agents ``store``."""
    calls = [*steps, ("finish", {"summary": "done"})]
    answer = {
        "goal": "g",
        "risk": "low",
        "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in calls],
    }
    return deps._replace(model=FakeModel({"PlanOut": [answer]}), agents_source=lambda: store)


def run_child(deps: Deps, task: PlanTask) -> RunStatus:
    """Plan the child of ``task`` and step it to its end, the owner approving whatever it asks."""
    start_run(task, deps)
    for _ in range(12):
        run = deps.store.get_run("t1", task.run_id)
        assert run is not None
        if run.state.status != RunStatus.RUNNING:
            break
        run_step_as_owner(StepTask(tenant_id="t1", run_id=task.run_id, step=run.state.cursor), deps)
    run = deps.store.get_run("t1", task.run_id)
    assert run is not None
    return run.state.status
