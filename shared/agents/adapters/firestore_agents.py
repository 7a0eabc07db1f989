"""Agents in Firestore: ``tenants/{t}/agents/{agent_id}``, each an :class:`~shared.agents.domain.agents.Agent`
as JSON. A workspace has a few (at most ``MAX_AGENTS``): they are listed with one query on the
tenant's own collection (no index beyond the automatic ones). A create never overwrites; an update is
conditioned on the document's last update time, so of two edits at once neither is lost.

Records (decisions 0170, 0189): ``tenants/{t}/agent_days/{agent}-{YYYYMMDD}`` (a day's run entries,
ratings) and ``agent_ends/{run_id}`` (a kept run's marker), expiring ``KEPT_DAYS`` after their day.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.agents.domain.agents import MAX_AGENTS, Agent
from shared.agents.domain.records import KEPT_DAYS, RunEntry, RunRating, day_doc_id
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

    # -- records ---------------------------------------------------------------------------------------

    def _day(self, tenant_id: str, agent_id: str, day: date) -> Any:
        days = self._db.collection("tenants").document(tenant_id).collection("agent_days")
        return days.document(day_doc_id(agent_id, day))

    @staticmethod
    def _day_fields(agent_id: str, day: date) -> dict[str, Any]:
        expires = datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=KEPT_DAYS)
        return {"agent_id": agent_id, "day": day.isoformat(), "expires_at": expires}

    def _kept(self, tenant_id: str, run_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("agent_ends").document(run_id)

    def keep_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, entry: RunEntry) -> bool:
        """One batched write, no read: the run's marker created (``agent_ends/{run_id}``) and its entry
        merged into the day under ``run_id``. False, writing nothing, when the marker was made already:
        the create's precondition fails the whole batch, so the first end's entry stays (decision 0189)."""
        fields = self._day_fields(agent_id, day)
        batch = self._db.batch()
        batch.create(self._kept(tenant_id, run_id), fields)
        kept = entry.model_dump(mode="json", exclude={"ratings"})
        batch.set(self._day(tenant_id, agent_id, day), fields | {"runs": {run_id: kept}}, merge=True)
        try:
            with transient():
                batch.commit()
        except gexc.AlreadyExists:
            return False
        return True

    def rate_entry(self, tenant_id: str, agent_id: str, day: date, run_id: str, rating: RunRating) -> None:
        """One merged write: the member's rating of the run, in place of their earlier one."""
        ref = self._day(tenant_id, agent_id, day)
        rated = {"ratings": {run_id: {rating.by: rating.model_dump(mode="json")}}}
        with transient():
            ref.set(self._day_fields(agent_id, day) | rated, merge=True)

    def days_of(self, tenant_id: str, agent_id: str, days: Sequence[date]) -> dict[date, dict[str, RunEntry]]:
        """The day documents of ``days`` read at once by id (one batched read, no query)."""
        refs = {day_doc_id(agent_id, d): d for d in days}
        found: dict[date, dict[str, RunEntry]] = {}
        with transient():
            snaps = list(self._db.get_all([self._day(tenant_id, agent_id, d) for d in days]))
        for snap in snaps:
            if not snap.exists or snap.id not in refs:
                continue
            doc = snap.to_dict() or {}
            ratings = doc.get("ratings") or {}
            found[refs[snap.id]] = {
                run_id: RunEntry.model_validate(dict(kept) | {"ratings": ratings.get(run_id) or {}})
                for run_id, kept in (doc.get("runs") or {}).items()
            }
        return found
