"""The agents' port: their store.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.agents.domain.agents import Agent


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
