"""What a request with an API key costs in Firestore round trips, on the emulator: once the api
instance has read a key, the key and its tenant are read in one BatchGetDocuments (decision 0235).
Both are read fresh each time: a deleted key, a disconnected workspace or a removed member is refused
at the very next request."""

from typing import Any

import pytest

from shared.platform.adapters.firestore_paces import FirestorePaces
from shared.team.adapters.firestore_api_keys import FirestoreApiKeys
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth, make_key, refused
from tests.support.team.firestore_calls import round_trips
from tests.support.workspace.connection_ownership import ADA, TENANT, connect_as, fakes

__all__ = ["fakes"]  # the fixture: the api's container, a workspace connected through the real flow

pytestmark = pytest.mark.integration


@pytest.fixture
def on_firestore(fakes: FakeContainer, firestore_db: Any, monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    """The api's container with what every request reads and writes in Firestore: the tenants, the
    keys and the pace counters."""
    monkeypatch.setattr(fakes, "tenants", FirestoreTenantStore(firestore_db))
    monkeypatch.setattr(fakes, "api_keys", FirestoreApiKeys(firestore_db))
    monkeypatch.setattr(fakes, "paces", FirestorePaces(firestore_db))
    return fakes


def test_a_known_key_and_its_tenant_are_one_read_and_the_pace_one_write(
    on_firestore: FakeContainer, firestore_db: Any
) -> None:
    session = connect_as(on_firestore, ADA, "code-ada")["session"]
    key = make_key(on_firestore, session, "CI")["key"]
    api = client("api", on_firestore)
    with round_trips(firestore_db) as first:
        assert api.get("/team", headers=auth(key)).status_code == 200
    # A key made, never read by this instance: its tenant not known yet.
    assert first == {"batch_get_documents": 2, "commit": 1}
    for _ in range(3):
        with round_trips(firestore_db) as known:
            answer = api.get("/team", headers=auth(key))
        assert answer.status_code == 200 and answer.json is not None
        assert [m["email"] for m in answer.json["members"]] == [ADA[1]]
        assert known == {"batch_get_documents": 1, "commit": 1}


def test_a_deleted_key_a_disconnect_and_a_new_epoch_are_refused_at_the_next_request(
    on_firestore: FakeContainer, firestore_db: Any
) -> None:
    session = connect_as(on_firestore, ADA, "code-ada")["session"]
    api = client("api", on_firestore)
    doomed, kept = (make_key(on_firestore, session, name) for name in ("doomed", "kept"))
    for made in (doomed, kept):
        assert api.get("/team", headers=auth(made["key"])).status_code == 200  # known from here on
    assert api.delete(f"/api-keys/{doomed['key_id']}", headers=auth(session)).status_code in (200, 204)
    refused(api.get("/team", headers=auth(doomed["key"])), 401, "not valid", doomed["key"])

    def new_epoch(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"session_epoch": "after-a-disconnect"})

    with round_trips(firestore_db) as read:
        assert api.get("/team", headers=auth(kept["key"])).status_code == 200
    assert read["batch_get_documents"] == 1
    FirestoreTenantStore(firestore_db).update(TENANT, new_epoch)  # another instance's write
    refused(api.get("/team", headers=auth(kept["key"])), 401, "has ended", kept["key"])
