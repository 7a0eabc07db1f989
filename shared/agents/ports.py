"""The agents' port: their store.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import date

    from shared.agents.domain.agents import Agent
    from shared.agents.domain.records import RunEntry, RunRating


class AgentStore(Protocol):
    """``tenants/{t}/agents/{agent_id}``: a workspace's agents (shared.agents.domain.agents)."""

    def list_for(self, tenant_id: str) -> list[Agent]:
        """The tenant's agents: the default first, then by name."""
        ...

    def get(self, tenant_id: str, agent_id: str) -> Agent | None: ...

    def create(self, tenant_id: str, agent: Agent) -> bool:
        """Store a new agent; False, writing nothing, if one of its id exists."""
        ...

    def update(self, tenant_id: str, agent_id: str, change: Callable[[Agent], Agent]) -> Agent | None:
        """Apply ``change`` to the stored agent, losing no concurrent write; None if there is none."""
        ...

    def delete(self, tenant_id: str, agent_id: str) -> bool:
        """False if there was no such agent."""
        ...

    def keep_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, entry: RunEntry) -> bool:
        """Keep a run's entry in ``agent_id``'s document of ``day``, in a transaction, unless one is
        kept under ``run_id`` already: False then (an end delivered again counts once)."""
        ...

    def rate_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, rating: RunRating) -> None:
        """Keep a person's rating of ``run_id`` beside its entry (in place of their earlier one)."""
        ...

    def days_of(self, tenant_id: str, agent_id: str, days: Sequence[date]) -> dict[date, dict[str, RunEntry]]:
        """``agent_id``'s entries of each of ``days`` that has any, by run id, ratings joined: the
        day documents read by id at once (no query)."""
        ...
