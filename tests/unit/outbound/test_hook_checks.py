"""The outbound domain: an event carries exactly its type's declared fields (anything more refused),
a body's keys are Standard Webhooks' three, the signature verifies with a receiver's own HMAC check
and fails for another body, and every URL a webhook may not reach is refused with its reason."""

from datetime import UTC, datetime

import pytest

from local.hook_receiver import verify
from shared.outbound.domain.endpoints import checked_url, delivery_id_for, new_secret, signature
from shared.outbound.domain.events import FIELDS, EventType, body_of, event

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _fields(kind: EventType) -> dict[str, object]:
    return {name: f"v-{name}" for name in FIELDS[kind]}


@pytest.mark.parametrize("kind", list(EventType))
def test_a_body_holds_exactly_its_types_declared_fields(kind: EventType) -> None:
    import json

    body = json.loads(body_of(event(kind, "e1", AT, **_fields(kind))))
    assert set(body) == {"type", "timestamp", "data"}
    assert set(body["data"]) == set(FIELDS[kind]) and body["type"] == kind.value


@pytest.mark.parametrize("kind", list(EventType))
def test_a_field_beyond_the_declared_ones_or_a_missing_one_is_refused(kind: EventType) -> None:
    with pytest.raises(ValueError, match="declared"):
        event(kind, "e1", AT, **_fields(kind), text="the page's content")
    fewer = _fields(kind)
    fewer.pop(FIELDS[kind][0])
    with pytest.raises(ValueError, match="declared"):
        event(kind, "e1", AT, **fewer)


def test_a_long_text_or_a_nested_value_is_no_field() -> None:
    kind = EventType.RUN_STARTED
    with pytest.raises(ValueError, match="over 200"):
        event(kind, "e1", AT, **(_fields(kind) | {"trigger": "x" * 201}))
    with pytest.raises(ValueError, match="short scalar"):
        event(kind, "e1", AT, **(_fields(kind) | {"trigger": {"page": "content"}}))


def test_the_signature_verifies_with_a_receivers_hmac_and_binds_id_time_and_body() -> None:
    secret = new_secret(bytes(range(32)))
    assert secret.startswith("whsec_")
    msg = delivery_id_for("run-1.started", "h0123456789abcdef")
    header = signature(secret, msg, 1_764_320_400, '{"a":1}')
    assert header.startswith("v1,")
    assert verify(secret, msg, "1764320400", '{"a":1}', header)
    assert not verify(secret, msg, "1764320400", '{"a":2}', header)
    assert not verify(secret, msg, "1764320401", '{"a":1}', header)
    assert not verify(new_secret(bytes(32)), msg, "1764320400", '{"a":1}', header)


def test_one_delivery_id_per_event_and_endpoint() -> None:
    assert delivery_id_for("e", "h1") == delivery_id_for("e", "h1") != delivery_id_for("e", "h2")


REFUSED = {  # a URL webhooks may not reach -> words of its reason
    "http://hooks.example.com/in": "https",
    "https://169.254.169.254/computeMetadata": "metadata",
    "https://10.0.0.7/in": "private",
    "https://[::ffff:127.0.0.1]/in": "loopback",
    "https://127.0.0.1:8080/in": "loopback",
    "https://user:pw@hooks.example.com/in": "no user",
    "https://hooks.example.com/in#frag": "fragment",
    "https://bad_host!/in": "not a domain",
    "ftp://hooks.example.com/in": "https",
    "https://hooks.example.com:99999/in": "not a URL",
}


@pytest.mark.parametrize("url", sorted(REFUSED))
def test_a_url_webhooks_may_not_reach_is_refused_with_its_reason(url: str) -> None:
    with pytest.raises(ValueError, match=REFUSED[url]):
        checked_url(url, allow_loopback=False)


def test_loopback_over_http_only_with_the_local_setting() -> None:
    assert checked_url("http://127.0.0.1:9000/in", allow_loopback=True)[0] == "http://127.0.0.1:9000/in"
    with pytest.raises(ValueError, match="metadata"):
        checked_url("https://169.254.169.254/in", allow_loopback=True)
    assert checked_url("https://hooks.example.com/in?src=na", allow_loopback=False)[0] == (
        "https://hooks.example.com/in?src=na"
    )
