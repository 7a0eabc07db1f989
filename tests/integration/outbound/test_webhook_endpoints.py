"""Webhook endpoints through the api and their deliveries through notify's ``POST /outbound``, against
the Firestore emulator and the local receiver (local/hook_receiver.py) over real HTTP: the secret
shown once and kept only in the secrets port, refused URLs a 400 with nothing kept, an event fanned
out once however often it is emitted, each delivery signed (checked with the receiver's own HMAC) and
sent once, retried while the receiver fails, the endpoint disabled after repeated failures with a
notice to the owner, and "send again" sending the same webhook-id."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from local.hook_receiver import HookReceiver
from local.wsgi_thread import ThreadedServer
from shared.notify.domain.notify_task import NotifyTask
from shared.outbound.adapters.firestore_hooks import FirestoreHooks
from shared.outbound.adapters.http_sender import HttpHookSender
from shared.outbound.domain.endpoints import endpoint_secret, legacy_endpoint_secret
from shared.outbound.domain.events import FIELDS, EventType, event
from shared.outbound.domain.hook_task import HookTask
from shared.outbound.services.emit import emit
from shared.outbound.services.endpoints import add_endpoint
from shared.outbound.services.hooks import Hooks
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container

pytestmark = pytest.mark.integration
EVENTS = ["run.started", "run.finished", "run.failed"]
URL_TOKEN = "hook-url-token-0123"


def _api(firestore_db: Any, allow: bool = True) -> tuple[FakeContainer, dict[str, str]]:
    fakes = people_container(
        {"hooks_allow_loopback": allow}, hooks=FirestoreHooks(firestore_db), hook_sender=HttpHookSender()
    )
    return fakes, connect_as(fakes, ADA, "code-ada")


def _register(fakes: FakeContainer, ada: dict[str, str], url: str, key: str = "k1") -> dict[str, Any]:
    body = {"url": url, "events": EVENTS, "request_id": key}
    answer = client("api", fakes).post("/webhooks/endpoints", json=body, headers=auth(ada["session"]))
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    made: dict[str, Any] = answer.get_json()
    return made


def _drain(fakes: FakeContainer) -> list[dict[str, Any]]:
    """Every outbound task queued so far, delivered once to notify's ``/outbound``: the answers."""
    notify, answers = client("notify", fakes), []
    for _queue, body, _name, _delay in list(fakes.queue.tasks):
        if isinstance(body, HookTask):
            fakes.queue.tasks.remove((_queue, body, _name, _delay))
            answer = notify.post("/outbound", json=body.model_dump(mode="json"))
            answers.append((answer.get_json() or {}) | {"http": answer.status_code})
    return answers


def _types(fakes: FakeContainer, tenant_id: str) -> tuple[str, ...]:
    tenant = fakes.tenants.get(tenant_id)
    assert tenant is not None
    return tenant.outbound_types


def _finished(run_id: str) -> Any:
    fields = {name: f"{name}-1" for name in FIELDS[EventType.RUN_FINISHED]} | {"run_id": run_id}
    return event(EventType.RUN_FINISHED, f"{run_id}.ended", datetime.now(UTC), **fields)


def test_an_endpoint_registered_before_0202_signs_with_its_key_where_it_was_then_deleted(
    firestore_db: Any, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    fakes, ada = _api(firestore_db)
    made = _register(fakes, ada, f"{receiver[1].url}/in")
    new, old = (name(ada["tenant_id"], made["id"]) for name in (endpoint_secret, legacy_endpoint_secret))
    assert new.startswith("webhook-") and not new.startswith("sync-")
    fakes.secrets.values[old] = fakes.secrets.values.pop(new)  # as decision 0180 wrote it
    app = receiver[0]
    app.secrets["/in"] = made["secret"]
    emit(fakes.queue, fakes.tenants.get(ada["tenant_id"]), _finished("run-old"))
    _drain(fakes)
    assert [a["http"] for a in _drain(fakes)] == [200]
    assert [arrival.verified for arrival in app.arrivals] == [True]
    gone = client("api", fakes).delete(f"/webhooks/endpoints/{made['id']}", headers=auth(ada["session"]))
    assert gone.status_code == 200 and old not in fakes.secrets.values and new not in fakes.secrets.values


def test_an_event_of_one_workspace_reaches_no_endpoint_of_another(
    firestore_db: Any, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    """Workspaces A and B, each with an endpoint taking every event, in the same Firestore database:
    A's events fan out to A's endpoint only, B keeps no delivery, and a delivery task naming B with
    A's endpoint and delivery (a forged or misrouted task) sends nothing."""
    fakes, ada = _api(firestore_db)
    a = ada["tenant_id"]
    mine = _register(fakes, ada, f"{receiver[1].url}/a")
    tenant_a = fakes.tenants.get(a)
    assert tenant_a is not None
    b = "tenant-b-0042"
    fakes.tenants.save(tenant_a.model_copy(update={"tenant_id": b, "workspace_id": "ws-b"}))
    h = Hooks(FirestoreHooks(firestore_db), fakes.secrets, HttpHookSender(), fakes.queue, fakes.tenants, True)
    theirs, _ = add_endpoint(
        b, {"url": f"{receiver[1].url}/b", "events": EVENTS, "request_id": "b"}, "user-b", h
    )
    receiver[0].secrets.update({"/a": mine["secret"], "/b": theirs["secret"]})
    emit(fakes.queue, fakes.tenants.get(a), _finished("run-of-a"))
    emit(fakes.queue, fakes.tenants.get(a), _finished("run-of-a"))  # a follow-up run twice
    assert [answer["deliveries"] for answer in _drain(fakes)] == [1]  # one task: named by the event
    assert [answer["http"] for answer in _drain(fakes)] == [200]
    assert [(arrival.path, arrival.verified) for arrival in receiver[0].arrivals] == [("/a", True)]
    assert h.store.deliveries(b, theirs["id"], None, 50) == []
    [sent] = h.store.deliveries(a, mine["id"], None, 50)
    forged = HookTask(tenant_id=b, kind="delivery", endpoint_id=mine["id"], delivery_id=sent.id)
    answer = client("notify", fakes).post("/outbound", json=forged.model_dump(mode="json")).get_json()
    assert answer["sent"] is False and len(receiver[0].arrivals) == 1


def test_an_endpoint_gets_each_event_once_signed_and_its_secret_is_shown_once(
    firestore_db: Any, receiver: tuple[HookReceiver, ThreadedServer], caplog: pytest.LogCaptureFixture
) -> None:
    app, server = receiver
    fakes, ada = _api(firestore_db)
    caplog.set_level(logging.DEBUG)
    made = _register(fakes, ada, f"{server.url}/in?token={URL_TOKEN}")
    secret, tenant_id = made["secret"], ada["tenant_id"]
    assert secret.startswith("whsec_") and made["events"] == EVENTS
    assert fakes.secrets.values[endpoint_secret(tenant_id, made["id"])] == secret
    listed = client("api", fakes).get("/webhooks/endpoints", headers=auth(ada["session"]))
    assert listed.get_json()["endpoints"][0]["id"] == made["id"] and "secret" not in listed.get_data(
        as_text=True
    )
    tenant = fakes.tenants.get(tenant_id)
    assert tenant is not None and set(tenant.outbound_types) == set(EVENTS)
    app.secrets["/in"] = secret

    for _ in range(3):  # the same transition's follow-ups, run three times
        emit(fakes.queue, tenant, _finished("run-1"))
    emit(fakes.queue, tenant, event(EventType.SESSION_MESSAGE, "s.1", datetime.now(UTC), **{
        n: "x" for n in FIELDS[EventType.SESSION_MESSAGE]}))  # fmt: skip  # a type it does not take
    assert [a["deliveries"] for a in _drain(fakes)] == [1]
    first = _drain(fakes)
    assert [a["http"] for a in first] == [200] and first[0]["sent"]
    [arrival] = app.arrivals
    assert arrival.verified is True and json.loads(arrival.body)["data"]["run_id"] == "run-1"
    assert set(json.loads(arrival.body)["data"]) == set(FIELDS[EventType.RUN_FINISHED])
    # The same delivery's task run again (a queue's duplicate) sends nothing.
    again = HookTask(
        tenant_id=tenant_id, kind="delivery", endpoint_id=made["id"], delivery_id=arrival.webhook_id
    )
    answer = client("notify", fakes).post("/outbound", json=again.model_dump(mode="json"))
    assert answer.status_code == 200 and answer.get_json()["sent"] is False and len(app.arrivals) == 1
    docs = [d.to_dict() for d in firestore_db.collection_group("hook_deliveries").stream()]
    endpoint_docs = [d.to_dict() for d in firestore_db.collection_group("hook_endpoints").stream()]
    for text in (json.dumps(docs, default=str), json.dumps(endpoint_docs, default=str), caplog.text):
        assert secret not in text and secret.removeprefix("whsec_") not in text
    assert URL_TOKEN not in caplog.text  # the endpoint's URL is in no log line
    repeat = _register(fakes, ada, f"{server.url}/in?token={URL_TOKEN}")  # the same key: the same endpoint
    assert repeat["id"] == made["id"] and repeat["secret"] == secret
    assert (
        len(
            client("api", fakes)
            .get("/webhooks/endpoints", headers=auth(ada["session"]))
            .get_json()["endpoints"]
        )
        == 1
    )


def test_a_failing_receiver_is_retried_then_its_endpoint_disabled_with_a_notice_and_sent_again(
    firestore_db: Any, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    app, server = receiver
    fakes, ada = _api(firestore_db)
    made = _register(fakes, ada, f"{server.url}/in")
    tenant_id, who = ada["tenant_id"], auth(ada["session"])
    app.secrets["/in"], app.fail_next = made["secret"], 1
    emit(fakes.queue, fakes.tenants.get(tenant_id), _finished("run-2"))
    _drain(fakes)
    [delivery_task] = [b for _q, b, _n, _d in fakes.queue.tasks if isinstance(b, HookTask)]
    notify = client("notify", fakes)
    assert notify.post("/outbound", json=delivery_task.model_dump(mode="json")).status_code == 503
    assert (
        notify.post("/outbound", json=delivery_task.model_dump(mode="json")).status_code == 200
    )  # the retry
    assert [a.status for a in app.arrivals] == [500, 200]
    assert len({a.webhook_id for a in app.arrivals}) == 1 and len(app.processed) == 1
    path = f"/webhooks/endpoints/{made['id']}/deliveries"
    [shown] = client("api", fakes).get(path, headers=who).get_json()["deliveries"]
    assert (shown["status"], shown["attempts"], shown["last_code"]) == ("delivered", 2, 200)

    app.down = True  # from now on every answer is a 500: fifteen in a row disable the endpoint
    for n in range(15):
        emit(fakes.queue, fakes.tenants.get(tenant_id), _finished(f"run-f{n}"))
        _drain(fakes)
        statuses = {a["http"] for a in _drain(fakes)}
        assert statuses == ({200} if n == 14 else {503}), n
    listed = client("api", fakes).get("/webhooks/endpoints", headers=who).get_json()["endpoints"]
    assert listed[0]["enabled"] is False and listed[0]["failures"] == 15
    assert _types(fakes, tenant_id) == ()  # emitters now send nothing
    notices = [b for _q, b, _n, _d in fakes.queue.tasks if isinstance(b, NotifyTask)]
    assert [n.subject for n in notices] == ["A webhook endpoint was disabled"]
    assert "127.0.0.1" in notices[0].text and made["secret"] not in notices[0].text
    assert not emit(fakes.queue, fakes.tenants.get(tenant_id), _finished("run-after"))

    app.down = False  # fixed: "send again" on the last delivery enables the endpoint and resends it
    page = client("api", fakes).get(path + "?limit=2", headers=who).get_json()
    assert len(page["deliveries"]) == 2 and page["next_cursor"]
    newest = page["deliveries"][0]
    assert newest["status"] == "failed"
    resend = client("api", fakes).post(f"{path}/{newest['id']}/send", headers=who)
    assert resend.status_code == 200, resend.get_data(as_text=True)
    _drain(fakes)
    assert app.arrivals[-1].webhook_id == newest["id"] and app.arrivals[-1].status == 200
    assert _types(fakes, tenant_id) != ()
    rest = client("api", fakes).get(f"{path}?limit=2&cursor={page['next_cursor']}", headers=who).get_json()
    assert rest["deliveries"] and not {d["id"] for d in rest["deliveries"]} & {
        d["id"] for d in page["deliveries"]
    }


@pytest.mark.parametrize(
    ("url", "allow", "why"),
    [
        ("https://169.254.169.254/latest/meta-data", True, "metadata"),
        ("https://10.1.2.3/in", True, "private"),
        ("http://127.0.0.1:9/in", False, "https"),
        ("https://localhost/in", False, "resolves to a private, loopback"),
    ],
)
def test_a_url_into_our_network_is_a_400_with_its_reason_and_nothing_kept(
    firestore_db: Any, url: str, allow: bool, why: str
) -> None:
    fakes, ada = _api(firestore_db, allow)
    body = {"url": url, "events": ["run.failed"], "request_id": "k"}
    answer = client("api", fakes).post("/webhooks/endpoints", json=body, headers=auth(ada["session"]))
    assert answer.status_code == 400 and why in answer.get_json()["reason"]
    assert list(firestore_db.collection_group("hook_endpoints").stream()) == []
    assert not [name for name in fakes.secrets.values if name.startswith(("webhook-", "sync-hook-out-"))]
