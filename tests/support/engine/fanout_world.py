"""A parent run mapping over a data source's rows in memory, and a driver of its queue with a clock
that jumps to each delayed task: for the parallel-map tests, the storm and bench-fanout."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import plain_notion_id
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_runs import forged_run, queue
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.run_store import FakeRunStore

SOURCE = "ds-team"
BROKEN = "Broken row"  # a row whose child's model answers no valid plan: that child fails


def child_plan(prompt: str) -> dict[str, Any]:
    """A child's plan: finish with the row's title; for the broken row, a tool nobody has."""
    if BROKEN in prompt:
        return {"goal": "g", "risk": "low", "steps": [{"tool": "no_such_tool", "args_json": "{}"}]}
    steps = [{"tool": "finish", "args_json": json.dumps({"summary": "row done"}), "rationale": "done"}]
    return {"goal": "g", "risk": "low", "steps": steps}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def world(rows: int, broken: int = 0, window: int = 10, **planned: Any) -> tuple[Deps, FakeNotion]:
    """A parent of agent ``a`` (reach: the team's data source) whose plan maps over its ``rows`` rows
    (``broken`` of them fail; ``window`` running at once), gathers them, and finishes."""
    notion = FakeNotion()
    parent = {"type": "data_source_id", "data_source_id": SOURCE}
    trigger = notion.add_page("Weekly", parent)
    for n in range(rows):
        notion.add_page(BROKEN if n < broken else f"Row {n}", parent)
    key = [plain_notion_id(SOURCE)]
    fields = {"agent_id": "a", "reach_read": key, "reach_change": key} | planned
    deps = forged_run(
        notion,
        trigger,
        ("map_rows", {"data_source_id": SOURCE, "input": "Summarise this row"}),
        ("fan_in", {"map_step": 1}),
        **fields,
    )
    agents = FakeAgents()
    words = InstructionsVersion(content_hash="0" * 16, text="Summarise each row you are given.")
    now = datetime(2026, 11, 26, tzinfo=UTC)
    agents.create("t1", Agent(agent_id="a", name="A", created_at=now, updated_at=now, accepted=words))
    model = FakeModel({"PlanOut": [child_plan] * (rows + 1 + 3 * broken)})  # the trigger page is a row too
    queue(deps).enqueue(Queue.EXECUTE_STEP, StepTask(tenant_id="t1", run_id="r1", step=1), "step:t1:r1:1:1")
    settings = deps.settings.model_copy(update={"fan_out_max_running": window})
    return deps._replace(model=model, agents_source=lambda: agents, clock=Clock(), settings=settings), notion


Drop = Callable[[Queue, Any, str], bool]  # (queue, body, name) → True: the task is lost


def drive(
    deps: Deps, limit: int = 100_000, *, drop: Drop | None = None, after: Callable[[], None] | None = None
) -> int:
    """Run the queue's plan and step tasks in order, the clock jumping to each delayed one; the tasks
    run (others, such as notifications, are dropped, and those ``drop`` names lost). ``after`` is
    called after each task run."""
    clock = deps.clock
    assert isinstance(clock, Clock)
    done = 0
    for _ in range(limit):
        tasks = queue(deps).tasks
        if not tasks:
            break
        at = min(range(len(tasks)), key=lambda i: tasks[i][3])  # the soonest first
        q, body, name, delay = tasks.pop(at)
        clock.now += timedelta(seconds=delay)
        for rest in range(len(tasks)):  # what was waiting is that much nearer
            tq, tb, tn, td = tasks[rest]
            tasks[rest] = (tq, tb, tn, max(0.0, td - delay))
        if drop is not None and drop(q, body, name):
            continue
        if q == Queue.PLAN and isinstance(body, PlanTask):
            start_run(body, deps)
        elif q == Queue.EXECUTE_STEP and isinstance(body, StepTask):
            run_step(body, deps)
        done += 1
        if after is not None:
            after()
    return done


def in_flight(deps: Deps, parent: str = "r1") -> int:
    """The parent's children made and not ended."""
    store = deps.store
    assert isinstance(store, FakeRunStore)
    return sum(
        1
        for (_, run_id), run in store.runs.items()
        if run.state.parent_run_id == parent and not run.state.status.terminal
    )
