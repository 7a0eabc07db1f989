"""Notification records in Firestore: ``tenants/{t}/notifications/{notification_id}``.

Exclusive without a transaction: the record is *created* (one write; a second creator is refused).
Taking over a stale ``sending`` record is an update conditioned on the document's update time, so of
two deliveries that both saw the lease expired only one proceeds. No TTL: the records are the
tenant's notification history (``GET /notifications`` on api).
"""

from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.notify.domain.notifications import (
    Claimed,
    DeliveryClaim,
    Move,
    NotificationRecord,
    NotificationStatus,
    Outcome,
)
from shared.platform.adapters.firestore_docs import plain_times, transient


def _aware(value: object) -> datetime | None:
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


class FirestoreNotificationLog:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _collection(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("notifications")

    def claim(self, tenant_id: str, record: NotificationRecord, now: datetime) -> Claimed:
        ref = self._collection(tenant_id).document(record.notification_id)
        doc = record.model_dump(mode="json") | {
            "lease_until": record.lease_until,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
        with transient():
            try:
                ref.create(doc)
                return Claimed(DeliveryClaim.NEW)
            except gexc.AlreadyExists:
                snap = ref.get()
            if not snap.exists:
                return Claimed(DeliveryClaim.BUSY)  # removed meanwhile: let the retry create it again
            found = snap.to_dict() or {}
            if found.get("status") != NotificationStatus.SENDING.value:
                return Claimed(DeliveryClaim.DONE)
            if found["lease_until"] > now:
                return Claimed(DeliveryClaim.BUSY)
            changes = {
                "lease_until": record.lease_until,
                "updated_at": now,
                "attempts": firestore.Increment(1),
            }
            try:
                ref.update(changes, option=self._db.write_option(last_update_time=snap.update_time))
            except (gexc.FailedPrecondition, gexc.NotFound):
                return Claimed(DeliveryClaim.BUSY)
        started = found.get("created_at")  # the first attempt's (a record is created by its claim)
        return Claimed(
            DeliveryClaim.RETAKEN,
            str(found.get("channel") or ""),
            _aware(started),
            _aware(found["lease_until"]),
            str(found.get("where") or ""),
        )

    def finish(self, tenant_id: str, notification_id: str, outcome: Outcome, now: datetime) -> None:
        changes = outcome.changes(now) | {"status": outcome.status.value}
        with transient():
            self._collection(tenant_id).document(notification_id).update(changes)

    def release(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        with transient():
            self._collection(tenant_id).document(notification_id).update({"lease_until": now})

    def move(self, tenant_id: str, notification_id: str, move: Move, now: datetime) -> None:
        with transient():
            self._collection(tenant_id).document(notification_id).update(move.changes(now))

    def recent(
        self, tenant_id: str, limit: int, since: datetime | None = None, after: str | None = None
    ) -> list[NotificationRecord] | None:
        query = self._collection(tenant_id)
        if since is not None:  # a range on the field it is ordered by: no composite index
            query = query.where(filter=FieldFilter("created_at", ">=", since))
        query = query.order_by("created_at", direction="DESCENDING")
        with transient():
            if after is not None:  # the page after that record's snapshot: exact, ties by document id
                snap = self._collection(tenant_id).document(after).get()
                if not snap.exists:
                    return None
                query = query.start_after(snap)
            return [
                NotificationRecord.model_validate(plain_times(s.to_dict()))
                for s in query.limit(limit).stream()
            ]
