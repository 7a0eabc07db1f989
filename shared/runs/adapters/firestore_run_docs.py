"""The run store's documents (shared.runs.adapters.firestore_store): a run's document and the
fields queries filter on, a run read back, and the change a page's claim remembers."""

import logging
from datetime import datetime
from typing import Any

from google.cloud import firestore
from pydantic import ValidationError

from shared.platform.adapters.firestore_docs import plain_times
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.run_search import search_terms
from shared.runs.domain.state import Run, RunState

log = logging.getLogger(__name__)


def kept_change(held: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The fields a takeover at ``now`` writes besides the claim. The released mark goes. So does the
    remembered change, unless the old holder never released the page (it will never hand the change
    over) and the new one, claiming now, may not have seen it."""
    kept = None if held.get("released") else remembered_change(held)
    unseen = kept is not None and not kept.trigger.seen_by(now)
    change = kept.model_dump(mode="json") if kept is not None and unseen else firestore.DELETE_FIELD
    return {"released": firestore.DELETE_FIELD, "change": change}


def remembered_change(held: dict[str, Any]) -> PlanTask | None:
    """The change remembered on a claim; one that no longer validates is dropped, and logged."""
    data = held.get("change")
    if not isinstance(data, dict):
        return None
    try:
        return PlanTask.model_validate(data)
    except ValidationError:
        log.warning("a page's remembered change no longer validates; dropped")
        return None


def run_of(snap: Any) -> Run:
    doc = plain_times(snap.to_dict())
    return Run(
        tenant_id=doc["tenant_id"],
        run_id=doc["run_id"],
        state=RunState.model_validate(doc["state"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def run_doc(tenant_id: str, run_id: str, state: RunState, now: datetime) -> dict[str, Any]:
    """The run document: the cached state plus the fields queries filter and sort on."""
    return {
        "tenant_id": tenant_id,
        "run_id": run_id,
        "status": state.status.value,
        "trigger": state.trigger,  # how it started (GET /runs?trigger=): runs before it have none
        "agent": state.agent_id,  # the agent that ran it (GET /runs?agent=): "" before agents
        "search_terms": search_terms(state),  # GET /runs?q= (shared.runs.domain.run_search)
        "parent": state.parent_run_id,  # the run that started it (GET /runs/{id}/related): "" for none
        "cursor": state.cursor,
        "state": state.model_dump(mode="json"),
        "updated_at": now,
        "retry_at": state.retry_at,  # the sweeper leaves the run alone until then (stalled)
    }
