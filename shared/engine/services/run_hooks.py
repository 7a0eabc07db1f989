"""A run's state changes as outbound events (shared.outbound), decided where the engine records a
transition (``RunLog.emit_transition``): started when it is created, waiting for each request it
asks, finished or failed when it ends. Each event's id is the run's and the change's, so a repeat of
the transition's follow-ups emits the same event, which the queue takes once. The tenant is the
instance's cached read, the one the Runs row's task reads too: no read of the endpoints."""

from __future__ import annotations

from datetime import datetime

from shared.outbound.domain.events import EventType, OutEvent, event
from shared.outbound.services.emit import emit
from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import RunState
from shared.runs.services.deps import RunRef


def run_events(run_id: str, before: RunStatus | None, after: RunState, now: datetime) -> list[OutEvent]:
    """The events of the change from ``before`` (None: created) to ``after``: each with only its
    type's declared fields."""
    fields = {
        "run_id": run_id,
        "agent_id": after.agent_id or "default",
        "status": after.status.value,
        "trigger": after.trigger[:40],
        "started_at": after.started_at,
    }
    found: list[OutEvent] = []
    if before is None:
        found.append(event(EventType.RUN_STARTED, f"{run_id}.started", now, **fields))
    waiting = after.waiting
    if after.status == RunStatus.WAITING_FOR_HUMAN and waiting is not None:
        found.append(
            event(
                EventType.RUN_WAITING,
                f"{run_id}.waiting.{waiting.request_id}",
                now,
                **fields,
                request_id=waiting.request_id,
                purpose=waiting.purpose[:40],
            )
        )
    if after.status.terminal and (before is None or not before.terminal):
        kind = EventType.RUN_FAILED if after.status == RunStatus.FAILED else EventType.RUN_FINISHED
        found.append(event(kind, f"{run_id}.ended", now, **fields, ended_at=now))
    return found


def emit_run_events(run: RunRef, before: RunStatus | None, after: RunState) -> None:
    """Queue the change's events for the workspace's webhooks, when it has any that take them."""
    deps, tenant_id, run_id = run
    if before == after.status and after.status != RunStatus.WAITING_FOR_HUMAN:
        return  # a step between: no event, and no tenant read
    tenant = deps.tenants.get(tenant_id) if deps.tenants is not None else None
    if tenant is None or not tenant.outbound_types:
        return
    for out in run_events(run_id, before, after, deps.clock()):
        emit(deps.queue, tenant, out)
