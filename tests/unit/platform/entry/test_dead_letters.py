"""A task body that can never become valid is acknowledged (200), kept once as a dead letter (queue,
tenant, reason, hash: never the body) and logged for the alert; a valid body is still run."""

import hashlib
import json
import logging

import pytest

from tests.support.platform.fake_container import PLAN_BODY, FakeContainer, client, json_body

SECRET = "secret_AbCdEfGhIjKlMnOpQrStUv"


@pytest.mark.parametrize(
    ("target", "body", "reason"),
    [
        ("plan", {"tenant_id": "t1", "run_id": "r1", "goal": 5, "trigger": "x"}, "invalid field(s)"),
        ("execute_step", {"tenant_id": "t1", "run_id": "r1", "step": "one"}, "step"),
        ("deploy", {"tenant_id": "t1"}, "invalid field(s)"),
        ("notify", {"tenant_id": "t1", "token": SECRET}, "invalid field(s)"),
    ],
)
def test_an_invalid_task_body_is_acknowledged_and_kept_once(
    fakes: FakeContainer, caplog: pytest.LogCaptureFixture, target: str, body: dict[str, object], reason: str
) -> None:
    raw = json.dumps(body).encode()
    with caplog.at_level(logging.ERROR):
        first = client(target, fakes).post("/", data=raw, content_type="application/json")
        again = client(target, fakes).post("/", data=raw, content_type="application/json")  # a redelivery
    assert first.status_code == again.status_code == 200  # Cloud Tasks drops it: never retried
    assert json_body(first)["dead_letter"] == json_body(again)["dead_letter"]
    [letter] = fakes.dead_letters.letters.values()
    queue = target.replace("_", "-")
    assert (letter.queue, letter.tenant_id) == (queue, "t1") and reason in letter.reason
    assert letter.body_sha256 == hashlib.sha256(raw).hexdigest()
    assert SECRET not in letter.model_dump_json() and SECRET not in caplog.text
    fields: list[dict[str, object]] = [getattr(r, "fields", {}) for r in caplog.records]
    logged = [f for f in fields if f.get("event") == "dead_letter"]
    assert len(logged) == 1 and logged[0]["queue"] == queue  # counted once by the log metric
    assert fakes.store.runs == {} and fakes.queue.tasks == []  # nothing run, nothing enqueued


def test_a_body_that_is_not_json_is_a_dead_letter_without_a_tenant(fakes: FakeContainer) -> None:
    answer = client("plan", fakes).post("/", data=b"\x00not json", content_type="application/json")
    assert answer.status_code == 200
    [letter] = fakes.dead_letters.letters.values()
    assert letter.tenant_id == "" and "JSON object" in letter.reason


def test_a_valid_body_is_still_run(fakes: FakeContainer) -> None:
    answer = client("plan", fakes).post("/", json=PLAN_BODY)
    assert answer.status_code == 200 and "dead_letter" not in json_body(answer)
    assert fakes.dead_letters.letters == {}


def test_the_api_still_refuses_bad_input_with_a_400(fakes: FakeContainer) -> None:
    """Dead letters are for queues: a person's bad request is told why."""
    answer = client("api", fakes).post("/runs", data=b"nope", content_type="application/json")
    assert answer.status_code in (400, 401)
    assert fakes.dead_letters.letters == {}
