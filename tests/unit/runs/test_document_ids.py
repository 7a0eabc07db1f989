"""Ids that become Firestore document ids: one rule (shared.platform.domain.ids), over generated ids, and a 400
naming the field, with nothing stored, through the entry points that receive them (a signed Notion
event, task bodies). Firestore's own verdict on the same grammar: tests/integration/platform/test_document_ids.py."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.platform.config import PlatformSecret
from shared.platform.domain.ids import id_problem, is_document_id
from tests.support.platform.fake_container import PLAN_BODY, FakeContainer, client
from tests.support.runs.document_ids import ACCEPTED, REFUSED

TOKEN = "secret_verification"


# What the entry points' patterns let through and Firestore still refuses: the reserved form.
PATTERN_CHARS = "abcXYZ019_-"
RESERVED_IN_PATTERN = st.text(st.sampled_from(PATTERN_CHARS), max_size=60).map(lambda t: f"__{t}__")


@settings(max_examples=500, deadline=None)
@given(ACCEPTED)
def test_every_id_firestore_accepts_passes(value: str) -> None:
    assert id_problem(value) is None and is_document_id(value)


@settings(max_examples=500, deadline=None)
@given(REFUSED)
def test_every_id_firestore_refuses_is_refused_with_a_reason(value: str) -> None:
    problem = id_problem(value)
    assert problem is not None and problem.startswith(("an id", "ids of the form"))


@contextmanager
def fresh() -> Iterator[FakeContainer]:
    """A new set of fakes for one generated example."""
    container = FakeContainer()
    container.secrets.put(PlatformSecret.NOTION_WEBHOOK_TOKEN, TOKEN)
    yield container


def nothing_stored(c: FakeContainer) -> bool:
    return not (c.store.runs or c.store.events or c.queue.tasks or c.webhook_events.records) and not (
        c.notifier.delivered or c.notifications.records
    )


def signed_event(**changes: Any) -> tuple[bytes, dict[str, str]]:
    event = {
        "id": "evt-1",
        "type": "page.content_updated",
        "timestamp": datetime.now(UTC).isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": {"id": "3b4c5d6e-0000-4000-8000-000000000002", "type": "page"},
        "data": {},
    } | changes
    body = json.dumps(event).encode()
    signature = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Notion-Signature": signature, "Content-Type": "application/json"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["id", "workspace_id"]), RESERVED_IN_PATTERN)
def test_a_signed_event_carrying_a_reserved_id_is_a_400_and_stores_nothing(field: str, value: str) -> None:
    """Before: the event id named its record (tenants/{t}/events/__x__) and Firestore's refusal was a 500."""
    with fresh() as c:
        body, headers = signed_event(**{field: value})
        answer = client("notion_webhook", c).post("/", data=body, headers=headers)
        assert answer.status_code == 400, answer.json
        assert answer.json is not None and [f["field"] for f in answer.json["fields"]] == [field]
        problems = [f["problem"] for f in answer.json["fields"]]
        assert problems == ["ids of the form __name__ are reserved by the database"]
        assert nothing_stored(c)


TASKS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "plan": (PLAN_BODY, ["tenant_id", "run_id"]),
    "execute_step": ({"tenant_id": "t1", "run_id": "r1", "step": 1}, ["tenant_id", "run_id"]),
    "deploy": ({"tenant_id": "t1", "run_id": "r1", "step": 1}, ["tenant_id", "run_id"]),
    "notify": (
        {"notification_id": "n1", "tenant_id": "t1", "run_id": "r1", "subject": "s", "text": "x"},
        ["notification_id", "tenant_id", "run_id"],
    ),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TASKS)), st.data())
def test_a_task_body_carrying_a_reserved_id_is_a_dead_letter_naming_it_and_stores_nothing_else(
    target: str, data: st.DataObject
) -> None:
    """A task body can never become valid: acknowledged (never a 500, never retried) and kept as a
    dead letter naming the field (functions._http.parse_task); no document is named by the id."""
    body, fields = TASKS[target]
    field = data.draw(st.sampled_from(fields))
    value = data.draw(RESERVED_IN_PATTERN)
    with fresh() as c:
        answer = client(target, c).post("/", json={**body, field: value})
        assert answer.status_code == 200, answer.json
        assert answer.json is not None and answer.json["reason"] == f"invalid field(s): {field}"
        [letter] = c.dead_letters.letters.values()
        assert letter.letter_id == answer.json["dead_letter"] and field in letter.reason
        assert nothing_stored(c)
