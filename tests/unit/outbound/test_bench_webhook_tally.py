"""make bench-sessions' webhook tally and flaky receiver (tests/perf/sessions/outgoing.py): an event never
delivered is lost, one under two ids or answered twice is duplicated, and a delivery refused first
then answered is a retry; the receiver refuses the first attempt of the ids it names, once."""

import json

import requests

from local.hook_receiver import Arrival
from tests.perf.sessions.outgoing import FlakyReceiver, fails_first, tally


def _arrival(webhook_id: str, run_id: str, status: int = 200) -> Arrival:
    body = json.dumps({"type": "run.started", "timestamp": "t", "data": {"run_id": run_id}})
    return Arrival("/all", webhook_id, "t", "v1,x", body, status, True if status == 200 else None)


def test_the_tally_counts_lost_duplicated_and_retried_deliveries() -> None:
    want = {("/all", "run.started", r) for r in ("r1", "r2", "r3", "r4")}
    arrivals = [
        _arrival("d1", "r1", 500),
        _arrival("d1", "r1"),  # retried: delivered
        _arrival("d2", "r2"),
        _arrival("d2", "r2"),  # the same id answered twice
        _arrival("d3", "r3"),
        _arrival("d3b", "r3"),  # one event under two ids
    ]
    got = tally(arrivals, want)
    assert (got.deliveries, got.lost, got.duplicated_ids, got.retried) == (4, 1, 2, 1)
    assert got.missing == [("/all", "run.started", "r4")] and got.unverified == 0
    clean = tally([_arrival("d1", "r1", 500), _arrival("d1", "r1")], {("/all", "run.started", "r1")})
    assert (clean.deliveries, clean.lost, clean.duplicated_ids, clean.retried) == (1, 0, 0, 1)


def test_the_receiver_refuses_the_first_attempt_of_the_ids_it_names_once() -> None:
    ids = [f"msg_{n}" for n in range(8)]
    assert any(fails_first(i) for i in ids) and not all(fails_first(i) for i in ids)
    receiver = FlakyReceiver()
    with receiver.served() as server:
        for webhook_id in ids:
            for _attempt in (1, 2):
                requests.post(f"{server.url}/all", data="{}", headers={"webhook-id": webhook_id}, timeout=10)
    for webhook_id in ids:
        statuses = [a.status for a in receiver.arrivals if a.webhook_id == webhook_id]
        assert statuses == ([500, 200] if fails_first(webhook_id) else [200, 200]), (webhook_id, statuses)
    assert set(receiver.processed) == set(ids)
