"""The agents' part of the composition root: their store, and the runs their tracker rules start from
Linear's and GitLab's intake."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.sync.domain.tracker_signals import TrackerSignal


class Agents:
    """The agents' store and their tracker rules."""

    agents: Built[AgentStore] = Built.firestore("shared.agents.adapters.firestore_agents", "FirestoreAgents")

    def __init__(self, instance: Instance, platform: Platform) -> None:
        self.instance, self.platform = instance, platform

    def tracker_triggers(self) -> Callable[[str, TrackerSignal], object]:
        """The agents' tracker rules: each event's runs queued on plan (decision 0121)."""
        from shared.agents.services.tracker_triggers import start_runs

        return lambda tenant_id, signal: start_runs(tenant_id, signal, self.agents, self.platform.queue)
