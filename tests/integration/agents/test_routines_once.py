"""A routine fires once per slot: overlapping sweeps, a late scheduler and a crash each leave one run
of the slot. Runs and agents in the Firestore emulator (the slot's run is a create-if-absent of
``runs/routine-<agent>-<n>-<slot>``); the queue keeps every task it is given, even one of a name it
saw (a name Cloud Tasks forgot after its tombstone ran out), so only the run's id stands between a
slot and a second run. Each case runs with the agents' schedules copied into the tenant's document (as
the agents service keeps them) and with a tenant stored before that copy (the tick reads its agents)."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.agents import sync_agents
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.engine.planning.start import start_run
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import TransientError
from shared.platform.topology import Queue
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunPlanned
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.triggers import Schedule
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeModel
from tests.support.workspace.workspace_fakes import FakeTenantStore

pytestmark = pytest.mark.integration
H = timedelta(hours=1)
FRIDAY_16 = datetime(2026, 1, 9, 16, tzinfo=UTC)  # the weekly routine's slot (the tenant is in UTC)
RUN = "routine-weekly-0-2026010916"


@dataclass
class EveryTask:
    """A queue that forgets names: each enqueue is a new task."""

    tasks: list[tuple[Queue, TaskBody, str]] = field(default_factory=list)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        self.tasks.append((queue, body, task_id))
        return True

    def routines(self) -> list[PlanTask]:
        return [b for _, b, _ in self.tasks if isinstance(b, PlanTask) and b.agent_id]


@pytest.fixture(params=[True, False], ids=["copied", "stored-before-the-copy"])
def copied(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def _deps(firestore_db: Any, now: datetime, copied: bool, model: FakeModel | None = None) -> Deps:
    agents = FirestoreAgents(firestore_db)
    agents.create(
        "t1",
        Agent(
            agent_id="weekly",
            name="Weekly report",
            created_at=FRIDAY_16,
            updated_at=FRIDAY_16,
            schedules=(Schedule(every="weekly", hour=16, days=["fri"]),),
            accepted=InstructionsVersion(content_hash="0" * 16, text="Summarise the week into a page."),
        ),
    )
    deps = make_deps(model=model)
    if copied:
        sync_agents("t1", deps.need_tenants(), agents)
    stored = deps.need_tenants().get("t1")
    assert stored is not None and (stored.agent_schedules is None) is not copied
    return deps._replace(
        store=FirestoreRunStore(firestore_db),
        queue=EveryTask(),
        agents_source=lambda: agents,
        clock=lambda: now,
    )


def _tick(deps: Deps) -> FakeTenantStore:
    assert isinstance(deps.tenants, FakeTenantStore)
    return deps.tenants


def _runs(deps: Deps) -> list[str]:
    return [r.run_id for r in deps.store.list_runs("t1") if r.run_id.startswith("routine-")]


def _plan_all(deps: Deps) -> None:
    assert isinstance(deps.queue, EveryTask)
    tasks = deps.queue.routines()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda t: start_run(t, deps), tasks))


def _planned_once(deps: Deps) -> RunPlanned:
    """The slot's one run, planned once (one run_planned in its log)."""
    assert _runs(deps) == [RUN]
    planned = [e for e in deps.store.list_events("t1", RUN) if isinstance(e, RunPlanned)]
    assert len(planned) == 1
    return planned[0]


def test_overlapping_sweeps_of_one_slot_make_one_run(firestore_db: Any, copied: bool) -> None:
    deps = _deps(firestore_db, FRIDAY_16 + timedelta(minutes=2), copied)
    _tick(deps).tick = FRIDAY_16 - H
    with ThreadPoolExecutor(3) as pool:  # Cloud Scheduler's retry and a manual call, at once
        list(pool.map(lambda _: plan_due_tenants(ScheduleTask(), deps), range(3)))
    assert isinstance(deps.queue, EveryTask) and len(deps.queue.routines()) == 3
    _plan_all(deps)
    planned = _planned_once(deps)
    assert planned.agent_id == "weekly" and planned.steps
    assert "Summarise the week" in planned.goal and planned.trigger == "schedule"


def test_a_late_scheduler_catches_the_slot_up_once(firestore_db: Any, copied: bool) -> None:
    deps = _deps(
        firestore_db, FRIDAY_16 + 2 * H + timedelta(minutes=20), copied
    )  # 18:20: 16:00 and 17:00 missed
    _tick(deps).tick = FRIDAY_16 - H
    fanout = plan_due_tenants(ScheduleTask(), deps)
    assert fanout.since == FRIDAY_16 and fanout.tick == FRIDAY_16 + 2 * H
    later = deps._replace(clock=lambda: FRIDAY_16 + 3 * H)  # the next tick, on time
    plan_due_tenants(ScheduleTask(), later)
    again = deps._replace(clock=lambda: FRIDAY_16 + 2 * H)  # the late call's retry, named by its tick
    plan_due_tenants(ScheduleTask(tick=FRIDAY_16 + 2 * H, since=FRIDAY_16), again)
    assert isinstance(deps.queue, EveryTask) and len(deps.queue.routines()) == 2  # the 19:00 tick: none
    _plan_all(deps)
    assert _planned_once(deps).steps


def test_a_crash_while_planning_the_slot_leaves_one_run_planned_once(firestore_db: Any, copied: bool) -> None:
    model = FakeModel(script={"PlanOut": [TransientError("the model's connection dropped")]})
    deps = _deps(firestore_db, FRIDAY_16, copied, model)
    _tick(deps).tick = FRIDAY_16 - H
    plan_due_tenants(ScheduleTask(), deps)
    assert isinstance(deps.queue, EveryTask)
    [task] = deps.queue.routines()
    with pytest.raises(TransientError):  # the first delivery dies mid-plan: Cloud Tasks retries it
        start_run(task, deps)
    assert _runs(deps) == [RUN]  # kept, with no steps, for the retry
    plan_due_tenants(ScheduleTask(), deps)  # and the sweep, retried after a crash, names it again
    for delivery in deps.queue.routines():
        start_run(delivery, deps)
    steps = [e for e in deps.store.list_events("t1", RUN) if isinstance(e, RunPlanned) and e.steps]
    assert _runs(deps) == [RUN] and len(steps) == 1
