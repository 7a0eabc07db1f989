"""The webhook event record's ``enqueued`` mark against the real Firestore emulator: set by one
update, read back by a repeat, never inherited by a record that replaces an expired one, and left
alone when the record is gone."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.workspace.adapters.firestore_tenants import FirestoreWebhookEvents
from shared.workspace.domain.tenants import EventSeen

pytestmark = pytest.mark.integration
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def doc(db: Any, tenant_id: str, event_id: str) -> Any:
    return db.collection("tenants").document(tenant_id).collection("events").document(event_id).get()


def test_a_repeat_reads_the_mark_the_first_delivery_set(firestore_db: Any) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    first = events.record("t1", "evt-1", EventSeen("page.created", NOW, NOW + WEEK))
    assert first.created and not first.enqueued
    unmarked = events.record("t1", "evt-1", EventSeen("page.created", NOW + timedelta(hours=2), NOW + WEEK))
    assert not unmarked.created and not unmarked.enqueued and unmarked.first_seen == NOW
    events.mark_enqueued("t1", "evt-1")
    marked = events.record("t1", "evt-1", EventSeen("page.created", NOW + timedelta(days=3), NOW + WEEK))
    assert not marked.created and marked.enqueued and marked.first_seen == NOW
    stored = doc(firestore_db, "t1", "evt-1")
    assert stored.to_dict() == {
        "event_type": "page.created",
        "first_seen": NOW,
        "expires_at": NOW + WEEK,
        "enqueued": True,
        "task": None,
    }
    assert not events.record(
        "t2", "evt-1", EventSeen("page.created", NOW, NOW + WEEK)
    ).enqueued  # another tenant


def test_a_repeat_reads_the_task_the_first_delivery_kept_and_a_replacement_keeps_its_own(
    firestore_db: Any,
) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    kept = {"id": "plan:t1:evt-1", "body": {"tenant_id": "t1", "run_id": "wh-evt-1"}, "run_at": None}
    assert events.record("t1", "evt-1", EventSeen("page.created", NOW, NOW + WEEK, task=kept)).task == kept
    other = kept | {"id": "plan:t1:other"}
    repeat = events.record(
        "t1", "evt-1", EventSeen("page.created", NOW + timedelta(minutes=5), NOW + WEEK, task=other)
    )
    assert not repeat.created and repeat.task == kept
    later = NOW + WEEK + timedelta(hours=1)  # the first record expired: replaced, with the new task
    replaced = events.record("t1", "evt-1", EventSeen("page.created", later, later + WEEK, task=other))
    assert replaced.created and replaced.task == other
    again = events.record("t1", "evt-1", EventSeen("page.created", later, later + WEEK))
    assert again.task == other


def test_a_record_that_replaces_an_expired_one_starts_unmarked(firestore_db: Any) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    events.record("t1", "evt-1", EventSeen("page.created", NOW, NOW + timedelta(hours=1)))
    events.mark_enqueued("t1", "evt-1")
    later = NOW + timedelta(hours=2)  # past expires_at, not yet swept by the TTL policy
    replaced = events.record("t1", "evt-1", EventSeen("page.created", later, later + WEEK))
    assert replaced.created and not replaced.enqueued
    repeat = events.record("t1", "evt-1", EventSeen("page.created", later, later + WEEK))
    assert not repeat.created and not repeat.enqueued and repeat.first_seen == later


def test_marking_a_record_that_is_gone_creates_nothing(firestore_db: Any) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    events.mark_enqueued("t1", "never-recorded")
    assert not doc(firestore_db, "t1", "never-recorded").exists


def test_the_kept_task_is_one_json_string_and_a_map_from_before_still_reads(firestore_db: Any) -> None:
    events = FirestoreWebhookEvents(firestore_db)
    kept = {"id": "plan:t1:evt-1", "body": {"tenant_id": "t1", "run_id": "wh-evt-1"}, "run_at": None}
    events.record("t1", "evt-1", EventSeen("page.created", NOW, NOW + WEEK, task=kept))
    stored = doc(firestore_db, "t1", "evt-1").to_dict()["task"]
    assert isinstance(stored, str) and json.loads(stored) == kept  # one value to encode, not a map
    # a record an earlier version wrote, its task a map; and one whose task is unreadable
    ref = firestore_db.collection("tenants").document("t1").collection("events")
    ref.document("evt-map").set({"event_type": "page.created", "first_seen": NOW, "expires_at": NOW + WEEK,
                                 "enqueued": False, "task": kept})  # fmt: skip
    ref.document("evt-bad").set({"event_type": "page.created", "first_seen": NOW, "expires_at": NOW + WEEK,
                                 "enqueued": False, "task": "{not json"})  # fmt: skip
    assert events.record("t1", "evt-map", EventSeen("page.created", NOW, NOW + WEEK)).task == kept
    assert events.record("t1", "evt-bad", EventSeen("page.created", NOW, NOW + WEEK)).task is None
