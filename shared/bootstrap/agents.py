"""The agents' store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.runs import RunsParts

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore


class AgentsParts(RunsParts):
    """The agents' store. Built once per instance."""

    @property
    def agents(self) -> AgentStore:
        return self._once("agents", self._build_agents)

    def _build_agents(self) -> AgentStore:
        from shared.agents.adapters.firestore_agents import FirestoreAgents

        return FirestoreAgents(self._firestore())
