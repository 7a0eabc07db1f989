"""The team's adapters: the audit log and the API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.workspace import WorkspaceParts

if TYPE_CHECKING:
    from shared.team.ports import ApiKeyStore, AuditLog


class TeamParts(WorkspaceParts):
    """The team's adapters. Built once per instance."""

    audit: Built[AuditLog] = Built()
    api_keys: Built[ApiKeyStore] = Built()

    def _build_audit(self) -> AuditLog:
        from shared.team.adapters.firestore_audit import FirestoreAudit

        return FirestoreAudit(self._firestore())

    def _build_api_keys(self) -> ApiKeyStore:
        from shared.team.adapters.firestore_api_keys import FirestoreApiKeys

        return FirestoreApiKeys(self._firestore())
