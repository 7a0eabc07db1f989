"""Linear's deliveries checked as Linear's SDK checks them: the hex HMAC-SHA256 of the raw body, the
``webhookTimestamp`` within 60 s either way, the delivery named by its signed body (the
``Linear-Delivery`` header is not signed); malformed bodies named in a sentence."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.domain.linear_events import (
    LinearEvent,
    delivery_of,
    parse,
    sign,
    signature_valid,
    timestamp_problem,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SECRET = "s" * 64


def body(**changes: object) -> bytes:
    data = {
        "action": "update",
        "type": "Issue",
        "data": {"id": "iss-1", "teamId": "team-1"},
        "webhookTimestamp": int(NOW.timestamp() * 1000),
    }
    return json.dumps(data | changes).encode()


def test_a_signature_of_the_raw_body_passes_and_anything_else_fails() -> None:
    raw = body()
    assert signature_valid(SECRET, raw, sign(SECRET, raw))
    assert signature_valid(SECRET, raw, sign(SECRET, raw).upper())  # hex, either case
    assert not signature_valid(SECRET, raw + b" ", sign(SECRET, raw))  # the body changed
    assert not signature_valid("t" * 64, raw, sign(SECRET, raw))  # another secret
    assert not signature_valid(SECRET, raw, None) and not signature_valid(SECRET, raw, "sha256=abc")


def test_the_window_is_sixty_seconds_either_way() -> None:
    ms = int(NOW.timestamp() * 1000)
    assert timestamp_problem(ms, NOW + timedelta(seconds=59)) == ""
    assert timestamp_problem(ms, NOW - timedelta(seconds=59)) == ""
    assert "stale" in timestamp_problem(ms, NOW + timedelta(seconds=61))
    assert "future" in timestamp_problem(ms, NOW - timedelta(seconds=61))


def test_a_well_formed_delivery_parses() -> None:
    event = parse(body())
    assert event == LinearEvent(
        delivery_of(body()), "update", "Issue", "iss-1", "team-1", int(NOW.timestamp() * 1000)
    )


def test_the_delivery_is_named_by_every_signed_byte() -> None:
    """The same body is the same delivery; any change the signature covers is another one."""
    named = {delivery_of(body()), delivery_of(body(webhookTimestamp=1)), delivery_of(body(action="remove"))}
    assert len(named) == 3 and delivery_of(body()) == delivery_of(body())
    assert delivery_of(body(webhookId="hook-1")) != delivery_of(body(webhookId="hook-2"))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[1]", "JSON object"),
        (b"{", "JSON object"),
        (body(action="explode"), "action"),
        (body(webhookTimestamp="soon"), "webhookTimestamp"),
        (body(webhookTimestamp=True), "webhookTimestamp"),
        (body(data={"teamId": "t"}), "data.id"),
        (body(type="Is sue"), "type"),
    ],
)
def test_a_malformed_delivery_says_what_is_wrong(raw: bytes, reason: str) -> None:
    problem = parse(raw)
    assert isinstance(problem, str) and reason in problem
