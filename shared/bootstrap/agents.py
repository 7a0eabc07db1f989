"""The agents' store, and the runs their tracker rules start from Linear's and GitLab's intake."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.sync import SyncParts

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.sync.domain.tracker_signals import TrackerSignal


class AgentsParts(SyncParts):
    """The agents' store. Built once per instance."""

    agents: Built[AgentStore] = Built("FirestoreAgents")

    def _tracker_triggers(self) -> Callable[[str, TrackerSignal], object] | None:
        """The agents' tracker rules: each event's runs queued on plan (decision 0121)."""
        from shared.agents.services.tracker_triggers import start_runs

        return lambda tenant_id, signal: start_runs(tenant_id, signal, self.agents, self.queue)
