"""Runs for people: asking for one (``POST /runs``), the list and the timeline (``GET /runs``,
``GET /runs/{id}``)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.config import Queue
from shared.domain.runs import Run
from shared.domain.tasks.plan import PlanTask, Trigger, page_key
from shared.domain.tenants import TenantStatus
from shared.errors import Conflict, NotFound
from shared.services.sessions import require_connected

if TYPE_CHECKING:
    from shared.ports import RunStore, TaskQueue, TenantStore, WebhookEventLedger

# How long a ``request_id`` is remembered with what it asked for, so that it cannot name a different
# request: the same id with another goal or page within this time is refused (409). After it, such a
# request is a different run anyway (its id carries the request's fingerprint), so nothing is lost.
REQUEST_MEMORY = timedelta(days=7)


def request_run(
    tenant_id: str,
    goal: str,
    page_id: str | None,
    request_id: str | None,
    *,
    tenants: TenantStore,
    requests: WebhookEventLedger,
    queue: TaskQueue,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Queue the planning of a run the owner asked for. The workspace must be usable (planning drops
    the run of one that is not, so it is refused here, with nothing queued).

    With a ``request_id`` the run is named from it and from what was asked, so a retry of the request
    queues nothing new. The id is recorded first, so reusing it for a different request is refused
    instead of being answered with the first request's run."""
    tenant = require_connected(tenant_id, tenants)
    if tenant.status == TenantStatus.NEEDS_RECONNECT:
        raise Conflict("Notion refused this workspace's access: connect it again to start runs")
    if request_id is None:
        run_id = f"api-{uuid.uuid4().hex[:16]}"
    else:
        page = page_key(page_id) if page_id else None  # one page, with or without its hyphens
        asked = json.dumps([goal, page]).encode()  # ASCII: a lone surrogate is escaped, not an error
        fingerprint = hashlib.sha256(asked).hexdigest()[:16]
        now = now or datetime.now(UTC)
        kind = f"api.run_requested:{fingerprint}"
        record = requests.record(tenant_id, f"request-{request_id}", kind, now, now + REQUEST_MEMORY)
        if record.event_type != kind:
            raise Conflict(
                f"request_id {request_id} was already used for a different goal or page: "
                "use a new request_id for a new request"
            )
        run_id = f"api-{request_id}-{fingerprint}"
    task = PlanTask(
        tenant_id=tenant_id, run_id=run_id, goal=goal, trigger=Trigger(kind="api", page_id=page_id)
    )
    queue.enqueue(Queue.PLAN, task, f"plan:{tenant_id}:{run_id}")
    return {"run_id": run_id, "status": "planning"}


def _summary(run: Run) -> dict[str, Any]:
    s = run.state
    return {
        "run_id": run.run_id,
        "status": s.status.value,
        "goal": s.goal,
        "cursor": s.cursor,
        "steps": len(s.steps),
        "risk": s.risk.value,
        "prompt_version": s.prompt_version,
        "cost_usd": s.cost_usd,
        "summary": s.summary,
        "waiting": s.waiting.model_dump() if s.waiting else None,
        "created_at": run.created_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
    }


def _owner_since(tenant_id: str, tenants: TenantStore) -> datetime | None:
    tenant = tenants.get(tenant_id)
    return tenant.owner_since if tenant is not None else None


def list_runs(tenant_id: str, store: RunStore, tenants: TenantStore, limit: int = 50) -> dict[str, Any]:
    """The current owner's runs, newest first (not an earlier owner's: ``Tenant.owner_since``)."""
    return {
        "runs": [_summary(r) for r in store.list_runs(tenant_id, limit, _owner_since(tenant_id, tenants))]
    }


def owned_run(tenant_id: str, run_id: str, store: RunStore, tenants: TenantStore) -> Run:
    """The run, if it is the workspace's current owner's. Another tenant's run is simply not found,
    and so is one of an earlier owner of the workspace (``Tenant.owns``). Its log holds what their
    grant could read, and deciding or resuming it would act on their plan with this owner's token."""
    run = store.get_run(tenant_id, run_id)
    since = _owner_since(tenant_id, tenants) if run is not None else None
    if run is None or (since is not None and run.created_at < since):
        raise NotFound(f"run {run_id} was not found")  # run_id: checked by the route (is_run_id)
    return run


def timeline(tenant_id: str, run_id: str, store: RunStore, tenants: TenantStore) -> dict[str, Any]:
    """The run and its events (:func:`owned_run`)."""
    run = owned_run(tenant_id, run_id, store, tenants)
    events = [e.model_dump(mode="json") for e in store.list_events(tenant_id, run_id)]
    return _summary(run) | {"events": events}
