"""Reading runs for people: the list and the timeline (``GET /runs``, ``GET /runs/{id}``)."""

from typing import Any

from shared.domain.runs import Run
from shared.errors import NotFound
from shared.ports import RunStore


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


def list_runs(tenant_id: str, store: RunStore, limit: int = 50) -> dict[str, Any]:
    return {"runs": [_summary(r) for r in store.list_runs(tenant_id, limit)]}


def timeline(tenant_id: str, run_id: str, store: RunStore) -> dict[str, Any]:
    """The run and its events; another tenant's run is simply not found."""
    run = store.get_run(tenant_id, run_id)
    if run is None:
        raise NotFound(f"run {run_id} was not found")
    events = [e.model_dump(mode="json") for e in store.list_events(tenant_id, run_id)]
    return _summary(run) | {"events": events}
