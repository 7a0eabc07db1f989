"""Outgoing webhooks in the storm: runs on the engine's stack (the Firestore emulator, the Cloud Tasks
emulator through the production queue adapter, plan, execute-step and notify behind Cloud Run's
front), every task delivered twice at once, and every other delivery's first attempt killed after
the receiver answered, before its record. The local receiver (local/hook_receiver.py) verifies
each signature and processes each ``webhook-id`` once. Prints ``RESULT webhook_deliveries=<n>
webhook_lost=0 webhook_duplicated_ids=0 webhook_resent_after_kill=<k>``, each figure asserted."""

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local.hook_receiver import HookReceiver
from shared.outbound.domain.events import EventType
from shared.outbound.services.endpoints import add_endpoint
from shared.runs.domain.events import RunStatus
from tests.reliability.conftest import scale
from tests.reliability.harness import DUPLICATES_ATTEMPTS, TENANT, Crash, engine_stack

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


class KilledAfterTheSend:
    """The hooks' store whose record of a delivered attempt dies, once per delivery whose id hashes
    even: the receiver has answered, the record is not written (an instance killed there)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.killed = inner, set[str]()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def claim(self, tenant_id: str, delivery: Any, now: datetime, until: datetime) -> bool:
        """The send's hold, a second as the harness runs retries within seconds, not minutes: a killed
        attempt's hold has passed by the next round (production's: the timeout and 5 s)."""
        return bool(self.inner.claim(tenant_id, delivery, now, now + timedelta(seconds=1)))

    def attempted(self, tenant_id: str, endpoint_id: str, delivery_id: str, fields: dict[str, Any]) -> None:
        even = hashlib.sha256(delivery_id.encode()).digest()[0] % 2 == 0
        if fields.get("status") == "delivered" and even and delivery_id not in self.killed:
            self.killed.add(delivery_id)
            raise Crash(f"killed after sending {delivery_id}")
        self.inner.attempted(tenant_id, endpoint_id, delivery_id, fields)


def test_each_event_reaches_the_receiver_under_one_id_none_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    receiver = HookReceiver()
    with (
        receiver.served() as server,
        engine_stack(
            tmp_path, monkeypatch, plan_attempts=DUPLICATES_ATTEMPTS, hooks_allow_loopback=True
        ) as stack,
    ):
        body = {"url": f"{server.url}/in", "events": [t.value for t in EventType], "request_id": "storm"}
        made, status = add_endpoint(TENANT, body, "owner", stack.container.outbound.delivering())
        assert status == 201
        receiver.secrets["/in"] = made["secret"]
        killing = KilledAfterTheSend(stack.container.outbound.hooks)
        stack.wrap("hooks", lambda _inner: killing)
        pages = {f"hook-{i}": stack.new_idea(f"Idea {i}") for i in range(scale(6, 40))}
        for run, page in pages.items():
            stack.start(run, page)
        stack.settle(twice=True)
        stack.settle(twice=True)  # deliveries answered 503 while a killed attempt's hold ran out
        left = stack.pending()
        states = {run: stack.state(run) for run in pages}
    assert all(s is not None and s.status == RunStatus.COMPLETED for s in states.values()), states
    expected = {(run, kind) for run in pages for kind in ("run.started", "run.finished")}
    ids_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    answered: dict[str, int] = defaultdict(int)
    for arrival in receiver.arrivals:
        assert arrival.verified is True, arrival
        sent = json.loads(arrival.body)
        ids_of[(sent["data"]["run_id"], sent["type"])].add(arrival.webhook_id)
        answered[arrival.webhook_id] += arrival.status == 200
    lost = len(expected - set(ids_of))
    under_two_ids = sum(len(ids) > 1 for ids in ids_of.values())
    healthy_twice = sum(n > 1 for i, n in answered.items() if i not in killing.killed)
    duplicated = under_two_ids + healthy_twice  # an event under two ids; a healthy delivery sent twice
    print(
        f"RESULT webhook_deliveries={len(receiver.processed)} webhook_lost={lost} "
        f"webhook_duplicated_ids={duplicated} webhook_resent_after_kill={len(killing.killed)}"
    )
    assert (lost, duplicated) == (0, 0), (expected - set(ids_of), left)
    assert set(ids_of) >= expected and len(receiver.processed) == len(ids_of)
    assert killing.killed and all(answered[i] == 2 for i in killing.killed)  # sent again, same id
