"""Emitting an event where the product decides it: one task, named by the event, on the notify queue,
only when some enabled endpoint of the workspace takes the event's type. That is read from the
tenant the emitter already holds (``Tenant.outbound_types``), never from the endpoints, so a
workspace without webhooks costs nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.platform.topology import Queue

if TYPE_CHECKING:
    from shared.outbound.domain.events import OutEvent
    from shared.platform.ports import TaskQueue
    from shared.workspace.domain.tenants import Tenant


def emit(queue: TaskQueue, tenant: Tenant | None, out: OutEvent) -> bool:
    """Queue ``out``'s fan-out when the tenant takes its type; a repeat of the same event id enqueues
    nothing (the queue refuses the name). True when a task was made."""
    if tenant is None or out.type.value not in tenant.outbound_types:
        return False
    from shared.outbound.domain.hook_task import HookTask, event_task_name  # a workspace with webhooks only

    task = HookTask(
        tenant_id=tenant.tenant_id,
        kind="event",
        type=out.type,
        event_id=out.event_id,
        at=out.at,
        data=out.data,
    )
    return queue.enqueue(Queue.NOTIFY, task, event_task_name(tenant.tenant_id, out.event_id))
