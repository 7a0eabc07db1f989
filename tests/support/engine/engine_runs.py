"""Shared by several test modules: helpers first written for ``tests/unit/engine/test_engine.py``."""

import json
from datetime import timedelta
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.events import PlannedStep, RunPlanned, RunStatus, ToolIntent
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.tools import REGISTRY
from tests.engine_fakes import FakeModel, FakeNotion, make_deps, run_step_as_owner
from tests.fakes import FakeQueue


def plan(*steps: tuple[str, dict[str, Any]], risk: str = "low") -> dict[str, Any]:
    return {"goal": "g", "risk": risk, "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def started(
    model: FakeModel, notion: FakeNotion | None = None, page: str | None = None, **settings: Any
) -> Deps:
    """A run asked for in the app; ``page``: its trigger page (the run's own: writing it needs no
    approval)."""
    deps = make_deps(model=model, notion=notion, **settings)
    trigger = Trigger(kind="api", page_id=page)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do it", trigger=trigger), deps)
    return deps


def step_intent(
    deps: Deps, tool: str, args: dict[str, Any], lease_s: float = 60, key: str = "r1:1:1"
) -> ToolIntent:
    """Step 1's intent for run r1, next in its log, leased ``lease_s`` seconds from the clock's now:
    what an instance records before its call. The caller adds it to the log, alone or with more."""
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    now = deps.clock()
    lease_until = now + timedelta(seconds=lease_s)
    return ToolIntent(
        seq=run.state.last_seq + 1, at=now, step=1, tool=tool, args=args, key=key, lease_until=lease_until
    )


def queue(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def drive(deps: Deps, limit: int = 100) -> list[NotifyTask]:
    notes = []
    for _ in range(limit):
        if not queue(deps).tasks:
            break
        q, body, _, _ = queue(deps).take()
        if q == Queue.EXECUTE_STEP:
            assert isinstance(body, StepTask)
            run_step_as_owner(body, deps)
        elif isinstance(body, NotifyTask):
            notes.append(body)
    return notes


def state(deps: Deps, run_id: str = "r1") -> RunState:
    """The state of tenant t1's run ``run_id``, which must exist."""
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def status(deps: Deps) -> RunStatus:
    return state(deps).status


def forged_run(
    notion: FakeNotion, trigger_page: str, *steps: tuple[str, dict[str, Any]], **planned_fields: Any
) -> Deps:
    """A run whose plan was never validated (as if the model's plan reached the log as it is), then
    ``finish``: the engine alone must hold the line. ``planned_fields``: more of its ``run_planned``."""
    deps = make_deps(model=FakeModel(), notion=notion)
    planned = [PlannedStep(tool=t, args=a) for t, a in [*steps, ("finish", {"summary": "done"})]]
    head = RunPlanned(
        seq=1,
        at=deps.clock(),
        goal="g",
        trigger="webhook",
        steps=planned,
        tools=sorted(REGISTRY),
        page_id=trigger_page,
        **planned_fields,
    )
    assert deps.store.create_run("t1", "r1", [head])
    return deps


def run_until_held(deps: Deps, limit: int = 12) -> RunState:
    """Step run r1 of t1 until it ends or waits (no one approves anything); its state then."""
    for _ in range(limit):
        run = deps.store.get_run("t1", "r1")
        assert run is not None
        if run.state.status != RunStatus.RUNNING:
            return run.state
        run_step(StepTask(tenant_id="t1", run_id="r1", step=run.state.cursor), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return run.state


def idea_deps() -> tuple[Deps, FakeNotion, str]:
    """An Ideas data source with one idea (New): the engine's deps, the fake Notion and the page."""
    notion = FakeNotion()
    notion.sources["ds"] = {
        "properties": {
            "Name": {"type": "title"},
            "Status": {"type": "status", "status": {"options": [{"name": "New"}, {"name": "Exploring"}]}},
        }
    }
    page = notion.add_page(
        "Automate the newsletter", {"data_source_id": "ds"}, "Send on Fridays.", Status="New"
    )
    return make_deps(notion=notion), notion, page


def drive_asking(deps: Deps) -> list[NotifyTask]:
    """Every task queued, run as it comes: a request waits for its person (none is approved on the
    way, unlike :func:`drive`). The messages sent, in order."""
    notes = []
    while queue(deps).tasks:
        q, body, _, _ = queue(deps).take()
        if q == Queue.EXECUTE_STEP:
            assert isinstance(body, StepTask)
            run_step(body, deps)
        elif q == Queue.NOTIFY:
            assert isinstance(body, NotifyTask)
            notes.append(body)
    return notes
