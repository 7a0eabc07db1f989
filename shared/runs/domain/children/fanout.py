"""A parallel map's children: their ids, the task that starts each, how many may run at
once, and the marker a child's end leaves under its parent. The marker is written with the child's
end, so a fan-in counts ended children without reading them. Why:
docs/decisions/0073-a-fan-in-counts-ended-children.md.
"""

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState

SUMMARY_CHARS = 500  # of a child's summary, as its fan-in reports it
_PLACE = re.compile(r"-m(\d+)-(\d+)$")


def child_id(run_id: str, step: int, index: int) -> str:
    return f"{run_id[:90]}-m{step}-{index}"


class Place(NamedTuple):
    """Where a child sits in its parent: the map's step and the child's index in it."""

    step: int
    position: int


def place(run_id: str, parent_run_id: str) -> Place | None:
    """The map step and index of child ``run_id`` of ``parent_run_id``; None for a run no map made
    (a hand-off's, say)."""
    found = _PLACE.search(run_id)
    if not parent_run_id or found is None:
        return None
    step, index = int(found[1]), int(found[2])
    return Place(step, index) if run_id == child_id(parent_run_id, step, index) else None


def ended_marker(run_id: str, before: RunState | None, after: RunState) -> dict[str, Any] | None:
    """The marker a write that ends child ``run_id`` leaves under its parent (``before``: its state
    before that write, None for one created ended); None when the write ends no map's child."""
    if not after.status.terminal or (before is not None and before.status.terminal):
        return None
    where = place(run_id, after.parent_run_id)
    if where is None:
        return None
    return {
        "run_id": run_id,
        "map_step": where.step,
        "index": where.position,
        "status": after.status.value,
        "summary": after.summary[:SUMMARY_CHARS],
        # Its family's spend (its own children's too): its parent's fan_in or settle counts it.
        "cost_usd": round(after.cost_usd + after.children_cost_usd, 9),
    }


def children_cost(markers: Iterable[dict[str, Any]]) -> float:
    """What the children whose ends left ``markers`` cost, each with its own children (its family)."""
    return round(sum(float(m.get("cost_usd") or 0.0) for m in markers), 9)


def child_task(tenant_id: str, parent_run_id: str, step: int, index: int, spec: dict[str, Any]) -> PlanTask:
    """The task that starts child ``index`` of the map at ``step``, from the map's output ``spec``."""
    items, pages = spec.get("items"), spec.get("pages")
    if items is not None:
        page, goal = spec.get("page"), f"{spec['input']}\n\nItem: {items[index]}"
    else:
        page, goal = (pages or [])[index], spec["input"]
    return PlanTask.model_validate(
        {
            "tenant_id": tenant_id,
            "run_id": child_id(parent_run_id, step, index),
            "goal": goal,
            "trigger": Trigger(kind="api", page_id=page, by_owner=bool(spec.get("by_owner"))),
            "agent_id": spec["agent"],
            "parent_run_id": parent_run_id,
            "chain": list(spec.get("chain") or []),
            "bounds": list(spec.get("bounds") or []),
        }
        | ({} if spec.get("share_usd") is None else {"budget_usd": spec["share_usd"]})
    )


def startable(count: int, window: int, ended: int, first: int | None = None) -> range:
    """The children to start once ``ended`` have ended: those below ``ended + window`` (from
    ``first``, by default ``ended``; the first ``window`` start with the map). Children start in index
    order, so at most ``window`` are started and not ended at once. An end starts all ``window``
    from the count it read: of ends that read one count, each starts the next child (by name: once)."""
    start = ended if first is None else first
    return range(max(window, start), min(count, ended + window))
