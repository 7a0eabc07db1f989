"""Erasing a workspace's documents from Firestore, and the one record that it happened.

Every document of the tenant goes: ``tenants/{t}`` with every subcollection at any depth, found by
listing, so a collection added later goes too, and the top-level documents naming the tenant
(:data:`NAMED_BY_FIELD`; ``email_recipients``: the tenant taken off).
``erasures/{t}`` remains: tenant id, who asked, when asked and ended, state; no workspace content.
Why and what is kept: docs/security.md, "Retention and erasure".
"""

from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import transient

ERASURES = "erasures"
# Top-level collections whose documents name their tenant in a field: (collection, field).
NAMED_BY_FIELD = (
    ("workspaces", "tenant_id"),
    ("api_keys", "tenant_id"),
    ("dead_letters", "tenant_id"),
    ("slack_teams", "tenant_id"),
    ("mail_mailboxes", "tenant_id"),  # forgotten with their tokens first (shared.mail.services.connect)
    ("calendar_links", "tenant_id"),  # their tokens first (shared.calendar.services.connect)
    ("calendar_meetings", "tenant_id"),
)


class FirestoreErasure:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _record(self, tenant_id: str) -> Any:
        return self._db.collection(ERASURES).document(tenant_id)

    def begin(self, tenant_id: str, by: str, now: datetime) -> None:
        """Record that the erasure was asked (a repeat keeps the first ask's time and asker)."""
        ref = self._record(tenant_id)
        with transient():
            snap = ref.get()
            first = (snap.to_dict() or {}) if snap.exists else {}
            ref.set(
                {
                    "tenant_id": tenant_id,
                    "by": first.get("by", by),
                    "requested_at": first.get("requested_at", now),
                    "state": "erasing",
                    "erased_at": None,
                }
            )

    def finish(self, tenant_id: str, now: datetime) -> None:
        with transient():
            self._record(tenant_id).update({"state": "erased", "erased_at": now})

    def record(self, tenant_id: str) -> dict[str, Any] | None:
        with transient():
            snap = self._record(tenant_id).get()
        return (snap.to_dict() or {}) if snap.exists else None

    def erase_documents(self, tenant_id: str) -> int:
        """Delete every document of the tenant (the module's docstring); how many were deleted."""
        with transient():
            tenant = self._db.collection("tenants").document(tenant_id)
            # The client counts the document it is given as deleted, whether or not it existed.
            gone = 0 if tenant.get().exists else 1
            deleted = int(self._db.recursive_delete(tenant)) - gone
            for collection, field in NAMED_BY_FIELD:
                deleted += self._delete_named(collection, field, tenant_id)
            deleted += self._leave_recipients(tenant_id)
        return deleted

    def _delete_named(self, collection: str, field: str, tenant_id: str) -> int:
        """One equality on one field: the automatic single-field index serves it."""
        query = self._db.collection(collection).where(filter=FieldFilter(field, "==", tenant_id))
        refs = [snap.reference for snap in query.select([]).stream()]
        for ref in refs:
            ref.delete()
        return len(refs)

    def _leave_recipients(self, tenant_id: str) -> int:
        """``email_recipients``: array-contains on one field (automatic index). The tenant leaves each
        address's list; a list left empty is deleted (counted)."""
        query = self._db.collection("email_recipients").where(
            filter=FieldFilter("tenants", "array_contains", tenant_id)
        )
        deleted = 0
        for snap in query.stream():
            others = [t for t in (snap.to_dict() or {}).get("tenants") or [] if t != tenant_id]
            if others:
                snap.reference.update({"tenants": firestore.ArrayRemove([tenant_id])})
            else:
                snap.reference.delete()
                deleted += 1
        return deleted
