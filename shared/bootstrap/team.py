"""The team's adapters: the audit log and the API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.workspace import WorkspaceParts

if TYPE_CHECKING:
    from shared.team.ports import ApiKeyStore, AuditLog


class TeamParts(WorkspaceParts):
    """The team's adapters. Built once per instance."""

    audit: Built[AuditLog] = Built("FirestoreAudit")
    api_keys: Built[ApiKeyStore] = Built("FirestoreApiKeys")
