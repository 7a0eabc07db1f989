"""API keys against the real Firestore emulator: create, get, list_for, delete, and only the hash stored."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.firestore_api_keys import FirestoreApiKeys
from shared.domain.api_keys import new_key, parse, proves, secret_hash
from shared.errors import Conflict

pytestmark = pytest.mark.integration
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_keys_round_trip_per_tenant_newest_first_and_only_their_hash_is_stored(firestore_db: Any) -> None:
    store = FirestoreApiKeys(firestore_db)
    made = [new_key("t1", f"key {n}", "e1", NOW + timedelta(minutes=n)) for n in range(3)]
    theirs, _ = new_key("t2", "theirs", "e9", NOW)
    for key, _ in made:
        store.create(key)
    store.create(theirs)

    first, text = made[0]
    assert store.get(first.key_id) == first
    parsed = parse(text)
    assert parsed is not None and parsed[0] == first.key_id
    got = store.get(parsed[0])
    assert got is not None and proves(got, parsed[1]) and not proves(got, "A" * 43)
    assert store.get("Unknown000000000") is None
    assert [k.key_id for k in store.list_for("t1")] == [k.key_id for k, _ in reversed(made)]
    assert store.list_for("t2") == [theirs] and store.list_for("t3") == []

    doc = firestore_db.collection("api_keys").document(first.key_id).get().to_dict()
    assert set(doc) == {"tenant_id", "name", "secret_sha256", "created_at", "epoch"}
    assert doc["secret_sha256"] == secret_hash(parsed[1]) and doc["epoch"] == "e1"
    stored = repr([snap.to_dict() for snap in firestore_db.collection("api_keys").stream()])
    assert all(t.split("_", 2)[2] not in stored for _, t in made)

    with pytest.raises(Conflict):
        store.create(first)  # an id taken already is never overwritten
    assert store.delete("t2", first.key_id) is False  # another tenant's: left alone
    assert store.get(first.key_id) == first
    assert store.delete("t1", first.key_id) is True
    assert store.get(first.key_id) is None and store.delete("t1", first.key_id) is False
    assert [k.key_id for k in store.list_for("t1")] == [k.key_id for k, _ in reversed(made[1:])]
