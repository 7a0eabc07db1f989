"""The agents' store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.sync import SyncParts

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore


class AgentsParts(SyncParts):
    """The agents' store. Built once per instance."""

    agents: Built[AgentStore] = Built()

    def _build_agents(self) -> AgentStore:
        from shared.agents.adapters.firestore_agents import FirestoreAgents

        return FirestoreAgents(self._firestore())
