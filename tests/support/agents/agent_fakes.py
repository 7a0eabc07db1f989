"""The agents' store faked for unit tests."""

from collections.abc import Callable
from dataclasses import dataclass, field

from shared.agents.domain.agents import Agent
from shared.agents.ports import AgentStore


@dataclass
class FakeAgents(AgentStore):
    """``tenants/{t}/agents/{agent_id}`` in memory."""

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
