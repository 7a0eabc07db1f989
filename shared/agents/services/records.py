"""Each agent's record (decisions 0162, 0170): a run's entry kept as the run ends, a
person's rating kept beside it, and the record read back from the agent's day documents.

The engine calls :func:`keep_end` from the follow-ups of a run's end, which a redelivered end sends
again: the store keeps the first entry of a run and writes nothing the next times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from shared.agents.domain.agents import DEFAULT_AGENT_ID
from shared.agents.domain.records import RunRating, days_back, entry_of, record_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shared.agents.ports import AgentStore
    from shared.runs.domain.events import RunEvent
    from shared.runs.domain.state import RunState

type JSON = dict[str, Any]


def agent_of_run(state: RunState) -> str:
    """The agent a run is counted for: its own, or the default agent's."""
    return state.agent_id or DEFAULT_AGENT_ID


def day_of_run(state: RunState, events: Sequence[RunEvent] = ()) -> date:
    """The day (UTC) a run started: its state's, else its first event's."""
    started = state.started_at or min((e.at for e in events), default=None) or datetime.now(UTC)
    return started.astimezone(UTC).date()


def keep_end(
    agents: AgentStore,
    tenant_id: str,
    run_id: str,
    state: RunState,
    events: Sequence[RunEvent],
    *,
    child: bool,
) -> bool:
    """Keep the entry of ``run_id``, which ended as ``state`` after ``events`` (its whole log), in its
    agent's day; False when it was kept already. ``child``: a map's child (its cost only counts)."""
    day = day_of_run(state, events)
    started = state.started_at or min((e.at for e in events), default=datetime.now(UTC))
    entry = entry_of(state.status, started, events, child=child)
    return agents.keep_entry(tenant_id, agent_of_run(state), day, run_id, entry)


def keep_rating(agents: AgentStore, tenant_id: str, run_id: str, state: RunState, rating: RunRating) -> None:
    """Keep a person's rating of the ended run ``run_id`` beside its entry."""
    agents.rate_entry(tenant_id, agent_of_run(state), day_of_run(state), run_id, rating)


def record(agents: AgentStore, tenant_id: str, agent_id: str, today: date | None = None) -> JSON:
    """``agent_id``'s record up to ``today`` (UTC): its 7- and 30-day windows and its 30 days' runs and
    cost, from its 30 day documents read by id (O(days), no run read)."""
    today = today or datetime.now(UTC).date()
    days = agents.days_of(tenant_id, agent_id, days_back(today))
    return record_of(agent_id, days, today).model_dump(mode="json")
