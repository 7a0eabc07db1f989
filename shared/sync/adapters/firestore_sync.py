"""The sync store in Firestore (:class:`shared.sync.ports.SyncStore`): under ``tenants/{t}``,
``sync/linear`` (the connection), ``sync_links/{page}`` (a page's issue and what each side last held),
``sync_issues/{issue}`` (the issue's page, or the claim of a page being made for it) and
``sync_log/{id}`` (conflicts settled). No secret is stored here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import plain_times, transient
from shared.sync.domain.connection import LinearConnection, LogEntry, SyncLink

TIMEOUT_S = 10.0


class FirestoreSync:
    def __init__(self, client: Any) -> None:
        self._tenants = client.collection("tenants")

    def _doc(self, tenant_id: str, collection: str, name: str) -> Any:
        return self._tenants.document(tenant_id).collection(collection).document(name)

    def connection(self, tenant_id: str) -> LinearConnection | None:
        with transient():
            snap = self._doc(tenant_id, "sync", "linear").get(timeout=TIMEOUT_S)
        return LinearConnection.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def save_connection(self, tenant_id: str, connection: LinearConnection) -> None:
        with transient():
            self._doc(tenant_id, "sync", "linear").set(connection.model_dump(), timeout=TIMEOUT_S)

    def delete_connection(self, tenant_id: str) -> None:
        with transient():
            self._doc(tenant_id, "sync", "linear").delete(timeout=TIMEOUT_S)

    def link(self, tenant_id: str, page_id: str) -> SyncLink | None:
        with transient():
            snap = self._doc(tenant_id, "sync_links", page_id).get(timeout=TIMEOUT_S)
        return SyncLink.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def link_of_issue(self, tenant_id: str, issue_id: str) -> SyncLink | None:
        with transient():
            snap = self._doc(tenant_id, "sync_issues", issue_id).get(timeout=TIMEOUT_S)
        page_id = (snap.to_dict() or {}).get("page_id") if snap.exists else None
        return self.link(tenant_id, page_id) if page_id else None

    def save_link(self, tenant_id: str, link: SyncLink) -> None:
        with transient():
            self._doc(tenant_id, "sync_issues", link.issue_id).set(
                {"page_id": link.page_id}, merge=True, timeout=TIMEOUT_S
            )
            self._doc(tenant_id, "sync_links", link.page_id).set(link.model_dump(), timeout=TIMEOUT_S)

    def claim_issue(self, tenant_id: str, issue_id: str, now: datetime) -> datetime | None:
        """Claim making the issue's page: None when this call claimed it, else when it was claimed."""
        ref = self._doc(tenant_id, "sync_issues", issue_id)
        with transient():
            try:
                ref.create({"claimed_at": now}, timeout=TIMEOUT_S)
            except gexc.AlreadyExists:
                claimed = plain_times(ref.get(timeout=TIMEOUT_S).to_dict()).get("claimed_at")
                return claimed if isinstance(claimed, datetime) else now
        return None

    def log(self, tenant_id: str, entry: LogEntry) -> None:
        with transient():
            self._doc(tenant_id, "sync_log", uuid.uuid4().hex).create(entry.model_dump(), timeout=TIMEOUT_S)

    def read_log(self, tenant_id: str, since: datetime, limit: int = 50) -> list[LogEntry]:
        query = (
            self._tenants.document(tenant_id)
            .collection("sync_log")
            .where(filter=FieldFilter("at", ">=", since))
            .order_by("at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        with transient():
            return [
                LogEntry.model_validate(plain_times(s.to_dict())) for s in query.stream(timeout=TIMEOUT_S)
            ]
