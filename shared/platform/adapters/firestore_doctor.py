"""``make doctor``'s checks in Firestore: ``doctor_checks/{check_id}``, removed by TTL at
``expires_at``. The api (or plan's scheduled round) writes what it sent, each task function the hop
it answered. A scheduled check carries ``judge_after`` until its round judges it: one range on one
field, which Firestore's automatic single-field index serves."""

from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import TRANSIENT, plain_times
from shared.platform.errors import TransientError

TIMEOUT_S = 10.0
DUE_LIMIT = 20  # checks judged per round: rounds missed for hours leave no more than that behind


class FirestoreDoctorChecks:
    def __init__(self, client: Any) -> None:
        self._checks = client.collection("doctor_checks")

    def begin(self, check_id: str, record: dict[str, Any]) -> None:
        """Store a new check: what was sent, when it expires."""
        try:
            self._checks.document(check_id).create(record | {"hops": {}}, timeout=TIMEOUT_S)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def record_sent(self, check_id: str, sent: dict[str, Any]) -> None:
        """Record what was enqueued on each queue."""
        try:
            self._checks.document(check_id).update({"sent": sent}, timeout=TIMEOUT_S)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def record_hop(self, check_id: str, queue: str, hop: dict[str, Any]) -> bool:
        """Record the answer of ``queue``'s function; False when the check is unknown (expired)."""
        try:
            self._checks.document(check_id).update({f"hops.`{queue}`": hop}, timeout=TIMEOUT_S)
        except gexc.NotFound:
            return False
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return True

    def get(self, check_id: str) -> dict[str, Any] | None:
        """The check as stored, timestamps as plain datetimes; None when there is none."""
        snap = self._checks.document(check_id).get(timeout=TIMEOUT_S)
        return _plain(snap.to_dict()) if snap.exists else None

    def due_for_judgement(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The scheduled checks whose ``judge_after`` has come (oldest first, at most DUE_LIMIT)."""
        due = self._checks.where(filter=FieldFilter("judge_after", "<=", now)).order_by("judge_after")
        try:
            snaps = list(due.limit(DUE_LIMIT).stream(timeout=TIMEOUT_S))
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return [(snap.id, _plain(snap.to_dict())) for snap in snaps]

    def mark_judged(self, check_id: str, failed: list[str]) -> None:
        """Drop ``judge_after`` (never judged again) and keep the failed hops' names."""
        update = {"judge_after": firestore.DELETE_FIELD, "failed_hops": failed}
        try:
            self._checks.document(check_id).update(update, timeout=TIMEOUT_S)
        except gexc.NotFound:
            return  # expired meanwhile: nothing left to mark
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc


def _plain(stored: dict[str, Any]) -> dict[str, Any]:
    """A check as stored, its timestamps and its hops' as plain datetimes."""
    doc = plain_times(stored)
    doc["hops"] = {q: plain_times(h) for q, h in (doc.get("hops") or {}).items()}
    return doc
