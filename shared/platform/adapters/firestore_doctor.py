"""``make doctor``'s checks in Firestore: ``doctor_checks/{check_id}``, removed by TTL at
``expires_at``. The api writes what it sent, each task function the hop it answered."""

from typing import Any

from google.api_core import exceptions as gexc

from shared.platform.adapters.firestore_docs import TRANSIENT, plain_times
from shared.platform.errors import TransientError

TIMEOUT_S = 10.0


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
        if not snap.exists:
            return None
        doc = plain_times(snap.to_dict())
        doc["hops"] = {q: plain_times(h) for q, h in (doc.get("hops") or {}).items()}
        return doc
