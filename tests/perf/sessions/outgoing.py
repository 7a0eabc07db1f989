"""The outgoing webhooks' part of ``make bench-sessions``: a receiver on 127.0.0.1 that fails the
first attempt of about half the deliveries (the queue retries them), and the tally of what it got
against the events a session's messages and runs should have sent each endpoint (:func:`tally`):
deliveries, events lost, events delivered under two ids or answered twice."""

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from local.hook_receiver import Arrival, HookReceiver, StartResponse

type Expected = tuple[str, str, str]  # (the endpoint's path, the event's type, what it is about)


def fails_first(webhook_id: str) -> bool:
    """Whether a delivery's first attempt is answered 500: its id's digest even (about half)."""
    return hashlib.sha256(webhook_id.encode()).digest()[0] % 2 == 0


class FlakyReceiver(HookReceiver):
    """:class:`HookReceiver` answering 500 to the first attempt of each delivery :func:`fails_first`
    names (recorded as an arrival, not processed): its retry is the queue's."""

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        webhook_id = environ.get("HTTP_WEBHOOK_ID", "")
        with self._lock:
            first = webhook_id and not any(a.webhook_id == webhook_id for a in self.arrivals)
            if first and fails_first(webhook_id):
                size = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(min(size, 1_000_000)).decode(errors="replace")
                path = environ.get("PATH_INFO", "/")
                self.arrivals.append(Arrival(path, webhook_id, "", "", body, 500))
                start("500 Refused", [("Content-Type", "application/json")])
                return [b'{"ok": false}']
        return super().__call__(environ, start)


def about(body: dict[str, Any]) -> str:
    """What a delivered event is about: its run, or its session's message (``<session>.<place>``)."""
    data = body["data"]
    return str(data["run_id"]) if body["type"].startswith("run.") else f"{data['session_id']}.{data['place']}"


@dataclass(frozen=True)
class Tally:
    deliveries: int  # webhook-ids answered 200
    lost: int  # expected events no delivery answered 200 brought
    duplicated_ids: int  # an event reaching an endpoint under two ids, or one id answered 200 twice
    retried: int  # ids refused first, then delivered
    unverified: int  # attempts whose signature did not verify
    missing: list[Expected]


def tally(arrivals: list[Arrival], expected: set[Expected]) -> Tally:
    """What ``arrivals`` delivered of ``expected``, each attempt's event read from its body."""
    ids_of: dict[Expected, set[str]] = defaultdict(set)
    answered: Counter[str] = Counter()
    refused: set[str] = set()
    unverified = 0
    for arrival in arrivals:
        if arrival.status != 200:
            refused.add(arrival.webhook_id)
            unverified += arrival.status == 401
            continue
        sent = json.loads(arrival.body)
        ids_of[(arrival.path, sent["type"], about(sent))].add(arrival.webhook_id)
        answered[arrival.webhook_id] += 1
        unverified += arrival.verified is not True
    missing = sorted(expected - set(ids_of))
    duplicated = sum(len(ids) > 1 for ids in ids_of.values()) + sum(n > 1 for n in answered.values())
    retried = len(refused & set(answered))
    return Tally(len(answered), len(missing), duplicated, retried, unverified, missing)
