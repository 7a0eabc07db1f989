"""The team's part of the composition root: the audit log and the API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.team.ports import ApiKeyStore, AuditLog


class Team:
    """The team's ports."""

    audit: Built[AuditLog] = Built.firestore("shared.team.adapters.firestore_audit", "FirestoreAudit")
    api_keys: Built[ApiKeyStore] = Built.firestore(
        "shared.team.adapters.firestore_api_keys", "FirestoreApiKeys"
    )

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
