"""What the outbound routes and tasks share: :class:`Hooks` (the ports and settings they use), a
delivery's task queued by name, and the tenant's ``outbound_types`` kept in step with its endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from shared.outbound.domain.endpoints import DISABLE_AFTER, Delivery
from shared.outbound.domain.events import EventType
from shared.outbound.domain.hook_task import HookTask, delivery_task_name
from shared.platform import errors
from shared.platform.topology import Queue

if TYPE_CHECKING:
    from shared.outbound.ports import HookSender, HookStore
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import TenantStore


class Hooks(NamedTuple):
    """What the outbound tasks and routes use. ``allow_loopback``: the local stack's receiver on
    127.0.0.1 over http (settings: ``hooks_allow_loopback``, refused in production)."""

    store: HookStore
    secrets: SecretStore
    sender: HookSender
    queue: TaskQueue
    tenants: TenantStore
    allow_loopback: bool = False
    timeout_s: float = 10.0
    disable_after: int = DISABLE_AFTER
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def queue_delivery(h: Hooks, tenant_id: str, delivery: Delivery) -> bool:
    """The delivery's task for its round, by name."""
    body = HookTask(
        tenant_id=tenant_id,
        kind="delivery",
        endpoint_id=delivery.endpoint_id,
        delivery_id=delivery.id,
        round=delivery.round,
    )
    return h.queue.enqueue(Queue.NOTIFY, body, delivery_task_name(tenant_id, delivery.id, delivery.round))


def sync_types(tenant_id: str, tenants: TenantStore, store: HookStore) -> Tenant:
    """The tenant's ``outbound_types``: every type an enabled endpoint takes, listed inside the
    tenant's conditioned update, so a stale list never overwrites a newer one."""

    def change(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise errors.NotFound("this workspace is not connected")
        enabled = [e for e in store.endpoints(tenant_id) if e.disabled_at is None]
        kinds = tuple(t.value for t in EventType if any(t in e.events for e in enabled))
        return tenant.model_copy(update={"outbound_types": kinds})

    return tenants.update(tenant_id, change)
