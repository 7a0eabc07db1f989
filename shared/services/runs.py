"""Use cases of a run: start it from a trigger, carry out one step, show its timeline.

Walking-skeleton engine: a run is planned as a fixed two-step plan (record a note, finish). Every
handler is idempotent: a repeated ``plan`` task finds the run and only re-enqueues step 1; a repeated
or stale step task changes nothing and only re-enqueues the (named, so harmless) follow-up, which also
repairs a crash between recording a step and enqueueing the next one.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.config import Queue
from shared.domain.runs import PlannedStep, RunEvent, RunFinished, RunPlanned, RunState, RunStatus, ToolResult
from shared.domain.tasks import NotifyTask, PlanTask, StepTask
from shared.errors import NotFound
from shared.ports import RunStore, TaskQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepOutcome:
    acted: bool
    status: RunStatus
    cursor: int


def _now() -> datetime:
    return datetime.now(UTC)


def start_run(task: PlanTask, store: RunStore, queue: TaskQueue) -> bool:
    """Create the run and enqueue step 1; False if the run existed (step 1 re-enqueued, harmless)."""
    plan = RunPlanned(
        seq=1,
        at=_now(),
        goal=task.goal,
        trigger=task.trigger.kind,
        steps=[
            PlannedStep(tool="record_note", args={"text": f"Started: {task.goal}"}, rationale="trace"),
            PlannedStep(tool="finish", args={"summary": f"Done: {task.goal}"}, rationale="end"),
        ],
    )
    created = store.create_run(task.tenant_id, task.run_id, [plan])
    _enqueue_step(queue, task.tenant_id, task.run_id, 1)
    log.info("run %s", "created" if created else "already existed", extra={"fields": {"run": task.run_id}})
    return created


def run_step(task: StepTask, store: RunStore, queue: TaskQueue) -> StepOutcome:
    run = store.get_run(task.tenant_id, task.run_id)
    if run is None:
        raise NotFound(f"run {task.run_id} does not exist")
    state = run.state
    if state.status.terminal or state.cursor != task.step:
        log.info("step %d is stale (cursor %d, %s): acknowledged", task.step, state.cursor, state.status)
        _enqueue_followup(queue, task.tenant_id, task.run_id, state)
        return StepOutcome(acted=False, status=state.status, cursor=state.cursor)
    events = _perform(state, task.step)
    new_state = store.append(task.tenant_id, task.run_id, state.last_seq, events)
    if new_state is None:
        log.info("step %d was recorded by another delivery", task.step)
        return StepOutcome(acted=False, status=state.status, cursor=state.cursor)
    _enqueue_followup(queue, task.tenant_id, task.run_id, new_state)
    return StepOutcome(acted=True, status=new_state.status, cursor=new_state.cursor)


def _perform(state: RunState, step: int) -> list[RunEvent]:
    planned = state.current_step()
    seq = state.last_seq + 1
    output: dict[str, Any] = dict(planned.args)
    events: list[RunEvent] = [ToolResult(seq=seq, at=_now(), step=step, tool=planned.tool, output=output)]
    if planned.tool == "finish":
        summary = str(planned.args.get("summary", ""))
        events.append(RunFinished(seq=seq + 1, at=_now(), status=RunStatus.COMPLETED, summary=summary))
    return events


def _enqueue_step(queue: TaskQueue, tenant_id: str, run_id: str, step: int) -> None:
    body = StepTask(tenant_id=tenant_id, run_id=run_id, step=step)
    queue.enqueue(Queue.EXECUTE_STEP, body, f"step:{tenant_id}:{run_id}:{step}")


def _enqueue_followup(queue: TaskQueue, tenant_id: str, run_id: str, state: RunState) -> None:
    """What comes after the state: the next step, or the notification that the run ended."""
    if state.status == RunStatus.RUNNING and state.cursor <= len(state.steps):
        _enqueue_step(queue, tenant_id, run_id, state.cursor)
    elif state.status.terminal:
        note = NotifyTask(
            notification_id=f"{run_id}-{state.status.value}",
            tenant_id=tenant_id,
            run_id=run_id,
            subject=f"Run {state.status.value}: {state.goal}"[:300],
            text=state.summary,
        )
        queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant_id}:{note.notification_id}")


def timeline(tenant_id: str, run_id: str, store: RunStore) -> dict[str, Any]:
    """The run and its events, for ``GET /runs/{id}``; another tenant's run is simply not found."""
    run = store.get_run(tenant_id, run_id)
    if run is None:
        raise NotFound(f"run {run_id} was not found")
    return {
        "run_id": run.run_id,
        "status": run.state.status.value,
        "goal": run.state.goal,
        "cursor": run.state.cursor,
        "steps": len(run.state.steps),
        "summary": run.state.summary,
        "created_at": run.created_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
        "events": [e.model_dump(mode="json") for e in store.list_events(tenant_id, run_id)],
    }
