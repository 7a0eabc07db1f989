"""Hand-offs and schedules in a storm, on the real emulators and the Notion sandbox, while
Notion answers 30% of requests with 429/5xx and 5% of step tasks are lost (then the sweeper). A run
hands its output to another agent's run, which hands on to a third; routines fire under overlapping
sweeps, a late scheduler and crashed plan deliveries: one run per slot. Every run adds to the RESULT
line; lost, duplicated effects, stuck and failed stay 0."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.agents.domain.agents import Agent, InstructionsVersion, routine_run_id
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.agents import agents_of
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.platform.topology import Queue
from shared.runs.domain.events import RunPlanned
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.triggers import Schedule
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import (
    TENANT,
    Crash,
    ScriptedPlanModel,
    Stack,
    engine_stack,
    notion_storm,
    sound,
)
from tests.support.engine.children_storm import tally

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
HANDS = ("relay", "closer")  # the agents a chain hands on to, in order
T9 = datetime(2026, 1, 9, 9, tzinfo=UTC)  # the first routine's slot (the tenant is in UTC)
H = timedelta(hours=1)


class ChainModel(ScriptedPlanModel):
    """Plans a goal ``<kind>|<run>|<page>``: a line on the page, then (for ``start`` and ``relay``) a
    hand-off of its output to the next agent, then finish. A routine's goal is its instructions,
    ``routine|<agent>|<page>``: a line on that page and finish. ``crash_routines`` of the routines'
    first plans crash the plan function (HTTP 500: the queue delivers the task again)."""

    def __init__(self, crash_routines: int = 0) -> None:
        super().__init__()
        self.crashes, self.lock = crash_routines, threading.Lock()

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        steps: list[tuple[str, dict[str, Any]]] = [
            ("append_blocks", {"page_id": page, "text": f"{run} {kind}"})
        ]
        if kind == "routine":
            with self.lock:
                if self.crashes > 0:
                    self.crashes -= 1
                    raise Crash("the plan function died while planning a routine")
        if kind in ("start", "relay"):
            to = HANDS[0] if kind == "start" else HANDS[1]
            steps.append(("hand_off", {"agent_id": to, "input": f"{to}|{run}-h2|{page}"}))
        steps.append(("finish", {"summary": f"{run} {kind} done"}))
        return steps


def _agent(agent_id: str, text: str, *schedules: Schedule) -> Agent:
    now = datetime.now(UTC)
    words = InstructionsVersion(content_hash="0" * 16, text=text)
    return Agent(
        agent_id=agent_id,
        name=agent_id.title(),
        created_at=now,
        updated_at=now,
        schedules=schedules,
        accepted=words,
    )


def _agents(stack: Stack, *made: Agent) -> None:
    """The workspace's default agent (as onboarding makes it), then ``made``."""
    store = stack.container.agents.agents
    agents_of(TENANT, store)
    for agent in made:
        store.create(TENANT, agent)


def _weather(stack: Stack) -> None:
    """Deliver with 5% of step tasks lost, then sweep until the sweeper has found what they left."""
    stack.settle(drop=0.05)
    for _ in range(8):
        stack.sweep()
        stack.settle(drop=0.0)


def _lines(stack: Stack, page: str) -> list[str]:
    state = stack.notion_state()
    return [line["text"] for p in state["pages"] if p["id"] == page for line in p["content"]]


def test_j_hand_off_chains_in_a_fault_storm_then_the_sweeper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    with engine_stack(
        tmp_path, monkeypatch, model=ChainModel(), sweep_stall_s=0.0, notion_max_inline_wait_s=1.0
    ) as stack:
        _agents(stack, *(_agent(agent_id, f"Carry on as {agent_id}.") for agent_id in HANDS))
        starts = {f"chain-{i}": stack.new_idea(f"Chain {i}") for i in range(scale(4, 12))}
        faults = notion_storm(stack, monkeypatch, random.Random(29))
        for run, page in starts.items():
            stack.start(run, page, goal=f"start|{run}|{page}")
        _weather(stack)
        runs = {f"{run}{tail}": page for run, page in starts.items() for tail in ("", "-h2", "-h2-h2")}
        result = tally(stack, runs)
        TOTALS.update(result)
        lineage = {run: _lineage(stack, run) for run in runs}
        lines = {run: _lines(stack, page) for run, page in starts.items()}
    assert result == sound(len(runs)), result
    assert faults  # the storm reached the runs
    for run in starts:  # the chain's lineage as recorded, and each link's line on the page, once
        assert lineage[run] == ("", [])
        assert lineage[f"{run}-h2"] == (run, ["default"])
        assert lineage[f"{run}-h2-h2"] == (f"{run}-h2", ["default", "relay"])
        written = [t for t in lines[run] if t.startswith(run + " ") or t.startswith(run + "-")]
        assert sorted(written) == sorted([f"{run} start", f"{run}-h2 relay", f"{run}-h2-h2 closer"]), written


def _lineage(stack: Stack, run: str) -> tuple[str, list[str]]:
    planned = next(e for e in stack.deps.store.list_events(TENANT, run) if isinstance(e, RunPlanned))
    return planned.parent_run_id or "", list(planned.chain)


def test_k_routines_fire_once_a_slot_under_overlapping_sweeps_a_late_scheduler_and_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    crashes = scale(2, 3)  # routines' plan deliveries that die mid-plan, and as many after their run's write
    model = ChainModel(crash_routines=crashes)
    with engine_stack(
        tmp_path,
        monkeypatch,
        model=model,
        sweep_stall_s=0.0,
        notion_max_inline_wait_s=1.0,
    ) as stack:
        page = stack.new_idea("Weekly notes")
        hours = [9, 10, 11, 12]
        schedules = [Schedule(every="daily", hour=h) for h in hours]
        _agents(stack, _agent("weekly", f"routine|weekly|{page}", *schedules))
        stack.wrap("queue", lambda inner: _DiesBeforeFirstStep(inner, crashes))
        faults = notion_storm(stack, monkeypatch, random.Random(31))
        stack.container.workspace.tenants.record_tick(T9 - H)
        with ThreadPoolExecutor(3) as pool:  # overlapping sweeps of one tick (a retry, a manual call)
            list(pool.map(lambda _: plan_due_tenants(ScheduleTask(tick=T9), stack.deps), range(3)))
        # 10:00 and 11:00 missed: the call at 12:00 catches them up, and its retry names them again.
        assert plan_due_tenants(ScheduleTask(tick=T9 + 3 * H), stack.deps).since == T9 + H
        plan_due_tenants(ScheduleTask(tick=T9 + 3 * H, since=T9 + H), stack.deps)
        # A name Cloud Tasks forgot: each slot's plan task enqueued again under a name never seen, to
        # be delivered with the first, in any order.
        for i in range(len(hours)):
            run_id = routine_run_id("weekly", i, (T9 + i * H).replace(tzinfo=None))
            again = PlanTask.model_validate(
                {"tenant_id": TENANT, "run_id": run_id, "agent_id": "weekly", "trigger": {"kind": "schedule"}}
            )
            stack.deps.queue.enqueue(Queue.PLAN, again, f"plan:{TENANT}:{run_id}:forgotten")
        _weather(stack)
        routines = sorted(
            r.run_id for r in stack.deps.store.list_runs(TENANT) if r.run_id.startswith("routine-")
        )
        expected = sorted(
            routine_run_id("weekly", i, (T9 + i * H).replace(tzinfo=None)) for i in range(len(hours))
        )
        result = tally(stack, dict.fromkeys(expected, page))
        TOTALS.update(result)
        plans = {
            run: sum(
                isinstance(e, RunPlanned) and bool(e.steps) for e in stack.deps.store.list_events(TENANT, run)
            )
            for run in expected
        }
        lines = [t for t in _lines(stack, page) if t.endswith(" routine")]
        queue = stack.container.platform.queue
        assert isinstance(queue, _DiesBeforeFirstStep)
        died = queue.died
    assert result == sound(len(expected)), result
    assert routines == expected  # one run a slot, no other
    assert all(n == 1 for n in plans.values()), plans  # each planned once
    assert len(lines) == len(expected)  # and its effect done once
    assert died == crashes and model.crashes == 0  # every crash happened, after and before the write
    assert faults


class _DiesBeforeFirstStep:
    """The queue, except that the plan function dies (once for each of the first ``n`` routines)
    after the routine's run is written and before its first step is enqueued."""

    def __init__(self, inner: Any, n: int) -> None:
        self.inner, self.left, self.died, self.seen = inner, n, 0, set[str]()
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def enqueue(self, queue: Queue, body: Any, task_id: str, delay_s: float = 0.0) -> bool:
        if queue == Queue.EXECUTE_STEP and isinstance(body, StepTask) and body.run_id.startswith("routine-"):
            with self.lock:
                dies = self.left > 0 and body.run_id not in self.seen
                self.seen.add(body.run_id)
                if dies:
                    self.left -= 1
                    self.died += 1
            if dies:
                raise Crash(f"{body.run_id}: the plan function died before its first step was enqueued")
        return bool(self.inner.enqueue(queue, body, task_id, delay_s))
