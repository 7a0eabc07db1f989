"""The audit log in Firestore: ``tenants/{t}/audit/{entry_id}``, removed by TTL at ``expires_at``."""

from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import plain_times
from shared.platform.errors import TransientError
from shared.team.domain.audit import AuditEntry

_TRANSIENT = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.Aborted, gexc.InternalServerError)
TIMEOUT_S = 10.0


class FirestoreAudit:
    def __init__(self, client: Any) -> None:
        self._tenants = client.collection("tenants")

    def _entries(self, tenant_id: str) -> Any:
        return self._tenants.document(tenant_id).collection("audit")

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        try:
            self._entries(tenant_id).document(entry.entry_id).create(
                entry.model_dump(exclude={"entry_id"}), timeout=TIMEOUT_S
            )
        except _TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def newest(
        self, tenant_id: str, *, before: datetime | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        # One field ordered and bounded: Firestore's automatic single-field index serves it.
        query = self._entries(tenant_id).order_by("at", direction=firestore.Query.DESCENDING)
        if before is not None:
            query = query.where(filter=FieldFilter("at", "<", before))
        if since is not None:
            query = query.where(filter=FieldFilter("at", ">=", since))
        try:
            return [
                AuditEntry.model_validate(plain_times(snap.to_dict()) | {"entry_id": snap.id})
                for snap in query.limit(limit).stream()
            ]
        except _TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
