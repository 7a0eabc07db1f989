"""Gmail's notifications through the Pub/Sub emulator (the Google Cloud SDK's), as on the local stack:
what our code relies on of its push (the documented push body, a non-2xx answer retried until taken,
and no token, which local.pubsub_push adds as Pub/Sub signs); a member's mail from the Gmail sandbox's
watch to the emulator's topic, signed, to ``POST /mail/push`` on the api, starting one run; and the
api's production check refusing the emulator's unsigned push, storing nothing (decision 0190)."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from functions._http import app
from local.pubsub_emulator import publisher, push_topic, subscriber
from local.pubsub_push import PushSigner
from local.wsgi_thread import ThreadedServer
from shared.mail.domain.mailboxes import parse_push
from tests.support.mail.mail_world import AUDIENCE, EDITOR, INVOKER, TOPIC, mail_container, mail_world
from tests.support.mail.mails import AGENT, mail
from tests.support.mail.pubsub import Receiver, pubsub_emulator
from tests.support.platform.fake_container import FakeContainer

__all__ = ["mail_world", "pubsub_emulator"]  # the fixtures
PROJECT = TOPIC.split("/")[1]


def _eventually[T](check: Callable[[], T], timeout_s: float = 60.0) -> T:
    """What ``check`` answers once truthy (the emulator pushes within a second; a loaded machine lags)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError("the emulator did not push in time")


def _subscribe(host: str, endpoint: str, topic: str = "") -> tuple[str, str]:
    """A fresh topic (or ``topic``) and a push subscription to ``endpoint`` with Gmail's oidc_token."""
    topic = topic or f"projects/{PROJECT}/topics/t-{secrets.token_hex(4)}"
    name = f"projects/{PROJECT}/subscriptions/s-{secrets.token_hex(4)}"
    push_topic(host, topic, name, endpoint=endpoint, audience=AUDIENCE, invoker=INVOKER)
    return topic, name


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    got = Receiver()
    with ThreadedServer(got, "push-receiver") as server:
        yield got, server.url + "/push"


def _unsubscribe(host: str, name: str) -> None:
    client = subscriber(host)
    try:
        client.delete_subscription(subscription=name)
    finally:
        client.close()


def test_the_emulator_pushes_the_documented_body_unsigned_and_retries_until_taken(
    pubsub_emulator: str, receiver: tuple[Receiver, str]
) -> None:
    got, endpoint = receiver
    got.answers = [503, 500]  # refused twice, then the receiver's 204
    topic, name = _subscribe(pubsub_emulator, endpoint)
    data = json.dumps({"emailAddress": AGENT, "historyId": 4242}).encode()
    client = publisher(pubsub_emulator)
    message_id = client.publish(topic, data).result(timeout=30)
    client.transport.close()
    _eventually(lambda: len(got.got) >= 3)
    time.sleep(2)  # long enough for a fourth push, were the 204 not taken
    assert len(got.got) == 3
    bodies = [parse_push(body) for _, body in got.got]
    assert {(p.address, p.history_id, p.message_id) for p in bodies} == {(AGENT, 4242, message_id)}
    outer = json.loads(got.got[0][1])
    assert outer["subscription"] == name and base64.b64decode(outer["message"]["data"]) == data
    assert all("authorization" not in {k.lower() for k in headers} for headers, _ in got.got)
    _unsubscribe(pubsub_emulator, name)


def _served_api(world: dict[str, Any]) -> tuple[ThreadedServer, list[int], FakeContainer]:
    """The api's app over the world's intake, served on 127.0.0.1, each status it answered recorded."""
    fakes = mail_container(world)
    api = app("api", fakes)
    statuses: list[int] = []

    def recorded(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: Any, *rest: Any) -> Any:
            statuses.append(int(status.split(maxsplit=1)[0]))
            return start_response(status, headers, *rest)

        return api(environ, start)

    return ThreadedServer(recorded, "api").start(), statuses, fakes


def test_a_members_mail_reaches_the_api_through_the_emulator_signed_and_starts_one_run(
    pubsub_emulator: str, mail_world: dict[str, Any]
) -> None:
    server, _, fakes = _served_api(mail_world)
    signer = PushSigner(mail_world["sandbox"].signer, server.url + "/mail/push", AUDIENCE, INVOKER)
    relay = ThreadedServer(signer, "pubsub-push-signer").start()
    client = publisher(pubsub_emulator)
    _, name = _subscribe(pubsub_emulator, relay.url, TOPIC)
    mail_world["sandbox"].publish = lambda topic, data: client.publish(topic, data).result(timeout=30)
    try:
        mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Release note", "draft it"))
        _eventually(lambda: signer.forwarded)
        time.sleep(1)  # a second push, were the 200 not taken
        assert signer.forwarded == [200]
        assert len(fakes.queue.tasks) == 1 and len(mail_world["sandbox"].sent(AGENT)) == 1
    finally:
        _unsubscribe(pubsub_emulator, name)
        client.transport.close()
        relay.stop()
        server.stop()


def test_the_emulators_unsigned_push_is_refused_by_the_production_check(
    pubsub_emulator: str, mail_world: dict[str, Any]
) -> None:
    server, statuses, fakes = _served_api(mail_world)
    client = publisher(pubsub_emulator)
    _, name = _subscribe(pubsub_emulator, server.url + "/mail/push", TOPIC)
    mail_world["sandbox"].publish = lambda topic, data: client.publish(topic, data).result(timeout=30)
    try:
        mail_world["sandbox"].deliver(AGENT, mail(EDITOR, "Release note", "draft it"))
        _eventually(lambda: len(statuses) >= 2)  # refused, and pushed again
        assert set(statuses) == {401}
        assert fakes.queue.tasks == [] and mail_world["sandbox"].sent(AGENT) == []
        kept = fakes.mail.mailboxes.get(AGENT)
        assert kept is not None and kept.history_id < mail_world["sandbox"].boxes[AGENT].history_id
    finally:
        _unsubscribe(pubsub_emulator, name)
        client.transport.close()
        server.stop()
