"""Agents against the real Firestore emulator: create-if-absent, per tenant, conditioned updates that
lose no concurrent edit, delete, and the default agent made once on a workspace's first read."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.agents.adapters.firestore_agents import FirestoreAgents
from shared.agents.domain.agents import DEFAULT_AGENT_ID, Agent
from shared.agents.domain.tracker_rules import TrackerRule
from shared.agents.services.agents import agents_of
from shared.workspace.domain.triggers import PageCreated, Schedule

pytestmark = pytest.mark.integration
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _agent(agent_id: str, name: str) -> Agent:
    return Agent(agent_id=agent_id, name=name, created_at=NOW, updated_at=NOW)


def test_agents_round_trip_per_tenant_and_a_create_never_overwrites(firestore_db: Any) -> None:
    store = FirestoreAgents(firestore_db)
    weekly = Schedule(every="weekly", hour=16, days=["fri"])
    made = _agent("weekly-report", "Weekly report").model_copy(
        update={"schedules": (weekly,), "triggers": {"a" * 32: [PageCreated()]}, "tools": ("read_page",)}
    )
    assert store.create("t1", made)
    assert not store.create("t1", _agent("weekly-report", "Other"))
    assert store.create("t2", _agent("weekly-report", "Theirs"))

    assert store.get("t1", "weekly-report") == made
    assert store.get("t1", "nobody") is None
    assert [a.name for a in store.list_for("t2")] == ["Theirs"]
    assert store.list_for("t3") == []
    assert store.delete("t1", "weekly-report") and not store.delete("t1", "weekly-report")
    assert store.get("t2", "weekly-report") is not None


def test_concurrent_updates_each_land(firestore_db: Any) -> None:
    store = FirestoreAgents(firestore_db)
    store.create("t1", _agent("a", "A"))

    def add(n: int) -> None:
        store.update("t1", "a", lambda a: a.model_copy(update={"tools": (*a.tools, f"tool_{n}")}))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(add, range(8)))
    stored = store.get("t1", "a")
    assert stored is not None and sorted(stored.tools) == sorted(f"tool_{n}" for n in range(8))
    assert store.update("t1", "gone", lambda a: a) is None


def test_a_workspace_without_agents_gets_the_default_once(firestore_db: Any) -> None:
    store = FirestoreAgents(firestore_db)
    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(lambda _: agents_of("t1", store, NOW), range(4)))
    assert all([a.agent_id for a in found] == [DEFAULT_AGENT_ID] for found in seen)
    assert len(list(firestore_db.collection("tenants").document("t1").collection("agents").stream())) == 1
    store.create("t1", _agent("b", "B"))
    assert [a.agent_id for a in agents_of("t1", store)] == [DEFAULT_AGENT_ID, "b"]


def test_an_update_that_empties_a_field_deletes_it(firestore_db: Any) -> None:
    """The last tracker rule removed and the reviewer set back to off stay so (their fields, left out of
    the stored JSON when empty, were kept as they were)."""
    store = FirestoreAgents(firestore_db)
    rule = TrackerRule(on="assigned", target="linear:eng", user="ada")
    store.create("t1", _agent("a", "A").model_copy(update={"tracker_triggers": (rule,), "review": "other"}))
    store.update("t1", "a", lambda a: a.model_copy(update={"tracker_triggers": (), "review": "off"}))
    stored = store.get("t1", "a")
    assert stored is not None and (stored.tracker_triggers, stored.review) == ((), "off")
