"""The agents' store faked for unit tests."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from shared.agents.domain.agents import Agent
from shared.agents.domain.records import RunEntry, RunRating
from shared.agents.ports import AgentStore


@dataclass
class FakeAgents(AgentStore):
    """``tenants/{t}/agents/{agent_id}`` and their day documents (``agent_days``) in memory."""

    agents: dict[tuple[str, str], Agent] = field(default_factory=dict)

    def list_for(self, tenant_id: str) -> list[Agent]:
        mine = [a for (t, _), a in self.agents.items() if t == tenant_id]
        return sorted(mine, key=lambda a: (not a.is_default, a.name.lower(), a.agent_id))

    def get(self, tenant_id: str, agent_id: str) -> Agent | None:
        return self.agents.get((tenant_id, agent_id))

    def create(self, tenant_id: str, agent: Agent) -> bool:
        if (tenant_id, agent.agent_id) in self.agents:
            return False
        self.agents[(tenant_id, agent.agent_id)] = agent
        return True

    def update(self, tenant_id: str, agent_id: str, change: Callable[[Agent], Agent]) -> Agent | None:
        stored = self.agents.get((tenant_id, agent_id))
        if stored is None:
            return None
        self.agents[(tenant_id, agent_id)] = changed = change(stored)
        return changed

    def delete(self, tenant_id: str, agent_id: str) -> bool:
        return self.agents.pop((tenant_id, agent_id), None) is not None

    days: dict[tuple[str, str, date], dict[str, RunEntry]] = field(default_factory=dict)
    ratings: dict[tuple[str, str, date], dict[str, dict[str, RunRating]]] = field(default_factory=dict)

    def keep_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, entry: RunEntry) -> bool:
        kept = self.days.setdefault((tenant_id, agent_id, day), {})
        if run_id in kept:
            return False
        kept[run_id] = entry
        return True

    def rate_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, rating: RunRating) -> None:
        self.ratings.setdefault((tenant_id, agent_id, day), {}).setdefault(run_id, {})[rating.by] = rating

    def days_of(self, tenant_id: str, agent_id: str, days: Sequence[date]) -> dict[date, dict[str, RunEntry]]:
        found: dict[date, dict[str, RunEntry]] = {}
        for day in days:
            rated = self.ratings.get((tenant_id, agent_id, day), {})
            kept = self.days.get((tenant_id, agent_id, day), {})
            if kept:
                found[day] = {r: e.model_copy(update={"ratings": rated.get(r, {})}) for r, e in kept.items()}
        return found
