"""API keys against the real Firestore emulator: create, get, list_for, replace, delete, and only the
hash stored; and ``POST /api-keys`` with an ``Idempotency-Key`` through the api on this store."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.platform.errors import Conflict
from shared.team.adapters.firestore_api_keys import FirestoreApiKeys
from shared.team.domain.api_keys import ApiKey, idempotent_key_id, new_key, parse, proves, secret_hash
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth, make_key, post_key, refused
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]  # the fixture: a workspace connected through the real flow (its keys: see on_firestore)

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
    assert set(doc) == {"tenant_id", "name", "secret_sha256", "created_at", "epoch", "scopes", "member_id"}
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


def retried(key: ApiKey) -> tuple[ApiKey, str]:
    """What a retry of the request that made ``key`` makes: the same id, tenant and name, a new secret."""
    return new_key(key.tenant_id, key.name, key.epoch, NOW + timedelta(minutes=1), key.key_id)


def test_a_replace_overwrites_the_key_it_read_and_nothing_else(firestore_db: Any) -> None:
    store = FirestoreApiKeys(firestore_db)
    first, first_text = new_key("t1", "CI", "e1", NOW, idempotent_key_id("t1", "ci"))
    store.create(first)
    second, second_text = retried(first)
    assert store.replace(first, second) is True
    assert store.get(first.key_id) == second and store.list_for("t1") == [second]
    first_secret, second_secret = (t.split("_", 2)[2] for t in (first_text, second_text))
    assert not proves(second, first_secret) and proves(second, second_secret)

    third, _ = retried(first)
    assert store.replace(first, third) is False  # read before the second replaced it: stale
    assert store.get(first.key_id) == second
    with pytest.raises(ValueError, match="same id and tenant"):
        store.replace(second, new_key("t2", "CI", "e1", NOW, first.key_id)[0])
    assert store.delete("t1", first.key_id) is True
    assert store.replace(second, third) is False and store.get(first.key_id) is None  # no create


def test_a_replace_that_loses_between_its_read_and_its_write_writes_nothing(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = FirestoreApiKeys(firestore_db), FirestoreApiKeys(firestore_db)
    first, _ = new_key("t1", "CI", "e1", NOW, idempotent_key_id("t1", "ci"))
    store.create(first)
    (mine, _), (theirs, _) = retried(first), retried(first)
    ref = firestore_db.collection("api_keys").document(first.key_id)

    class ReadThenLose:
        """The document, read just before another retry replaces it: the precondition refuses."""

        def get(self) -> Any:
            snap = ref.get()
            assert other.replace(first, theirs)
            return snap

        def update(self, *args: Any, **kwargs: Any) -> Any:
            return ref.update(*args, **kwargs)

    monkeypatch.setattr(store, "_ref", lambda key_id: ReadThenLose())
    assert store.replace(first, mine) is False
    assert other.get(first.key_id) == theirs


@pytest.fixture
def on_firestore(fakes: FakeContainer, firestore_db: Any, monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    """The api's container with the real key store, and the tenants in the same database: a key it
    has read before is read with its tenant's document (decision 0235)."""
    monkeypatch.setattr(fakes, "tenants", FirestoreTenantStore(firestore_db))
    monkeypatch.setattr(fakes, "api_keys", FirestoreApiKeys(firestore_db))
    return fakes


def test_a_retried_post_leaves_one_key_whose_new_text_alone_works(on_firestore: FakeContainer) -> None:
    session = connect_as(on_firestore, ADA, "code-ada")["session"]
    api = client("api", on_firestore)
    first = make_key(on_firestore, session, "CI", "deploy-1")
    again = make_key(on_firestore, session, "CI", "deploy-1")
    assert again["key_id"] == first["key_id"] == idempotent_key_id(TENANT, "deploy-1")
    listed = api.get("/api-keys", headers=auth(session)).json
    assert listed is not None and [k["key_id"] for k in listed["api_keys"]] == [first["key_id"]]
    refused(api.get("/runs", headers=auth(first["key"])), 401, "not valid", first["key"])
    assert api.get("/runs", headers=auth(again["key"])).status_code == 200

    other_name = post_key(on_firestore, session, "Nightly", "deploy-1")
    assert other_name.status_code == 409 and other_name.json is not None
    assert "already used for another key name" in other_name.json["reason"]
    invalid = post_key(on_firestore, session, "CI", "two words")
    assert invalid.status_code == 400 and invalid.json is not None
    assert invalid.json["fields"] == [{"field": "Idempotency-Key"}]
    keys = on_firestore.api_keys.list_for(TENANT)
    assert [(k.key_id, k.name) for k in keys] == [(first["key_id"], "CI")]  # neither changed anything
    assert api.get("/runs", headers=auth(again["key"])).status_code == 200

    others = [
        make_key(on_firestore, session, "CI", "deploy-2"),
        make_key(on_firestore, session, "CI"),
        make_key(on_firestore, session, "CI"),
    ]
    assert len({k["key_id"] for k in [again, *others]}) == 4
    assert len(on_firestore.api_keys.list_for(TENANT)) == 4


def test_a_retry_that_read_before_another_retry_replaced_the_key_is_a_409(
    on_firestore: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = connect_as(on_firestore, ADA, "code-ada")["session"]
    store = on_firestore.api_keys
    make_key(on_firestore, session, "CI", "ci")
    read = store.list_for(TENANT)
    winner = make_key(on_firestore, session, "CI", "ci")
    monkeypatch.setattr(store, "list_for", lambda tenant_id: read)
    answer = post_key(on_firestore, session, "CI", "ci")
    assert answer.status_code == 409 and answer.json is not None
    assert "another request with this Idempotency-Key is in progress" in answer.json["reason"]
    assert client("api", on_firestore).get("/runs", headers=auth(winner["key"])).status_code == 200
