"""Agents in Firestore: ``tenants/{t}/agents/{agent_id}``, each an :class:`~shared.agents.domain.agents.Agent`
as JSON. A workspace has a few (at most ``MAX_AGENTS``): they are listed with one query on the
tenant's own collection (no index beyond the automatic ones). A create never overwrites; an update is
conditioned on the document's last update time, so of two edits at once neither is lost.
"""

from collections.abc import Callable
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.agents.domain.agents import MAX_AGENTS, Agent
from shared.platform.adapters.firestore_docs import transient
from shared.platform.errors import TransientError

_UPDATE_ATTEMPTS = 10


def _agent(snap: Any) -> Agent:
    return Agent.model_validate((snap.to_dict() or {}) | {"agent_id": snap.id})


def _doc(agent: Agent) -> dict[str, Any]:
    return agent.model_dump(mode="json", exclude={"agent_id"})


class FirestoreAgents:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _agents(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("agents")

    def list_for(self, tenant_id: str) -> list[Agent]:
        """The tenant's agents, by name (one query of its own collection, at most MAX_AGENTS + 1)."""
        with transient():
            found = [_agent(s) for s in self._agents(tenant_id).limit(MAX_AGENTS + 1).stream()]
        return sorted(found, key=lambda a: (not a.is_default, a.name.lower(), a.agent_id))

    def get(self, tenant_id: str, agent_id: str) -> Agent | None:
        with transient():
            snap = self._agents(tenant_id).document(agent_id).get()
        return _agent(snap) if snap.exists else None

    def create(self, tenant_id: str, agent: Agent) -> bool:
        """One create: False when an agent of that id exists already (it is left as it is)."""
        with transient():
            try:
                self._agents(tenant_id).document(agent.agent_id).create(_doc(agent))
            except gexc.AlreadyExists:
                return False
        return True

    def update(self, tenant_id: str, agent_id: str, change: Callable[[Agent], Agent]) -> Agent | None:
        """``change`` applied to the stored agent, written only if nothing else wrote it since it was
        read (else read again and applied again). None when there is no such agent."""
        ref = self._agents(tenant_id).document(agent_id)
        with transient():
            for _ in range(_UPDATE_ATTEMPTS):
                snap = ref.get()
                if not snap.exists:
                    return None
                stored = _agent(snap)
                changed = change(stored)
                if changed == stored:
                    return stored
                doc = _doc(changed)  # a field left out (none left: rules, ratings) is deleted, not kept
                doc |= {k: firestore.DELETE_FIELD for k in snap.to_dict() or {} if k not in doc}
                try:
                    ref.update(doc, option=self._db.write_option(last_update_time=snap.update_time))
                except (gexc.FailedPrecondition, gexc.Conflict):
                    continue
                except gexc.NotFound:
                    return None
                return changed
        raise TransientError("firestore: the agent changed too often at once to update it; try again")

    def delete(self, tenant_id: str, agent_id: str) -> bool:
        ref = self._agents(tenant_id).document(agent_id)
        with transient():
            if not ref.get().exists:
                return False
            ref.delete()
        return True
