"""The api's pace holds across api instances: two api apps (two containers, each with its own client
of the Firestore emulator) admit together what one admits, also when their requests come at once;
a 429's Retry-After is the least wait that is then admitted."""

import threading
from typing import Any, NamedTuple

import pytest
from flask.testing import FlaskClient

from shared.platform.adapters.firestore_paces import FirestorePaces, doc_id
from shared.platform.config import PlatformSecret, Settings
from shared.platform.services.api_limits import window
from shared.team.adapters.firestore_api_keys import FirestoreApiKeys
from shared.team.services.sessions import start_session
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from tests.conftest import FirestoreEmulator
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.team.api_keys import auth, make_key
from tests.support.team.api_limits import paced, save_team

pytestmark = pytest.mark.integration
SETTINGS = Settings(api_person_per_min=60, api_key_per_min=30, api_burst=5)  # windows of 5 s and 10 s
START = 1_000_002.5  # 2.5 s before the end of a person's window, 7.5 s before a key's


class Instances(NamedTuple):
    containers: list[FakeContainer]
    apps: list[FlaskClient]  # the api of each
    session: str  # the owner's


def instances(emulator: FirestoreEmulator, clock: list[float], n: int = 2) -> Instances:
    """``n`` api instances, each on its own Firestore client; one signing key, one clock (as Cloud
    Run's instances share the time); tenant t1 and a session of its owner."""
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32})
    made = []
    for _ in range(n):
        db = emulator.client()
        c = FakeContainer(
            SETTINGS,
            secrets=secrets,
            tenants=FirestoreTenantStore(db),
            api_keys=FirestoreApiKeys(db),
            paces=FirestorePaces(db),
        )
        paced(c, lambda: clock[0])
        made.append(c)
    save_team(made[0])
    return Instances(made, [client("api", c) for c in made], start_session("t1", secrets, epoch="e"))


def at_once(calls: list[Any]) -> list[int]:
    """Each call in its own thread, started together; their status codes in order."""
    codes = [0] * len(calls)
    gate = threading.Barrier(len(calls))

    def go(i: int) -> None:
        gate.wait()
        codes[i] = calls[i]()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_two_instances_admit_together_one_person_s_pace(
    firestore_db: Any, firestore_emulator: FirestoreEmulator
) -> None:
    clock = [START]
    (a, _), apps, session = instances(firestore_emulator, clock)

    def get(i: int) -> Any:
        return lambda: apps[i % 2].get("/usage", headers=auth(session)).status_code

    codes = at_once([get(i) for i in range(12)])  # 6 at each instance, all at once
    assert sorted(codes) == [200] * 5 + [429] * 7  # per instance, each would have admitted 5
    counter = window("person", "t1:" + _owner_id(a), 60, 5, START).counter
    assert firestore_db.collection("api_paces").document(doc_id(counter)).get().get("n") == 12
    for app in apps:  # and neither admits more in this window
        assert app.get("/usage", headers=auth(session)).status_code == 429


def test_retry_after_is_the_least_wait_then_admitted_at_either_instance(
    firestore_db: Any, firestore_emulator: FirestoreEmulator
) -> None:
    clock = [START]
    _, (first, second), session = instances(firestore_emulator, clock)
    assert [first.get("/usage", headers=auth(session)).status_code for _ in range(5)] == [200] * 5
    refused = second.get("/usage", headers=auth(session))
    assert refused.status_code == 429 and refused.json is not None
    assert refused.json["error"] == "rate_limited" and "at most 5 in 5 s" in refused.json["reason"]
    wait = int(refused.headers["Retry-After"])
    assert wait == 3  # the window ends at 1_000_005.0: 2.5 s on, said in whole seconds
    clock[0] = START + wait - 1
    assert first.get("/usage", headers=auth(session)).status_code == 429  # a second sooner: too soon
    clock[0] = START + wait
    assert second.get("/usage", headers=auth(session)).status_code == 200


def test_a_key_s_pace_holds_across_instances(
    firestore_db: Any, firestore_emulator: FirestoreEmulator
) -> None:
    clock = [START]
    (a, _), apps, session = instances(firestore_emulator, clock)
    key = make_key(a, session, scopes=["read"])["key"]  # the person's first request in this window
    before = [apps[i % 2].get("/usage", headers=auth(key)).status_code for i in range(3)]
    clock[0] = START + 3  # a new window of the person's (5 s); the key's (10 s) runs to 1_000_010
    after = [apps[i % 2].get("/usage", headers=auth(key)) for i in range(3)]
    assert before + [c.status_code for c in after] == [200] * 5 + [429]
    refused = after[-1]
    assert refused.json is not None and "with this API key (at most 5 in 10 s)" in refused.json["reason"]
    assert refused.headers["Retry-After"] == "5"  # 1_000_010 - 1_000_005.5, up to a whole second
    assert apps[0].get("/usage", headers=auth(session)).status_code == 200  # the person's session goes on


def _owner_id(c: FakeContainer) -> str:
    tenant = c.tenants.get("t1")
    assert tenant is not None
    return tenant.owner_member().member_id
