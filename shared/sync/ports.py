"""The sync capability's ports (Protocols, for type checking): Linear's API and the sync store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from shared.sync.domain.connection import LinearConnection, LogEntry, SyncLink


class LinearApi(Protocol):
    """Linear's GraphQL API with one tenant's API key (``shared.sync.adapters.linear``)."""

    def viewer(self, key: str) -> dict[str, Any]:
        """``{id, name, email}`` of the key's user; Unauthenticated for a key Linear refuses."""
        ...

    def team(self, key: str, team_id: str) -> dict[str, Any]:
        """``{id, name, key, states: [{id, name, type}], members: [{id, email}], labels: [{id, name}]}``;
        NotFound for a team the key cannot see."""
        ...

    def issue(self, key: str, issue_id: str) -> dict[str, Any] | None:
        """The issue's synced fields (``ISSUE_FIELDS``), archived ones too; None when there is none."""
        ...

    def create_issue(self, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``issueCreate`` with ``fields`` (its ``id`` chosen by us): the issue as created."""
        ...

    def update_issue(self, key: str, issue_id: str, fields: dict[str, Any]) -> dict[str, Any]: ...

    def archive_issue(self, key: str, issue_id: str) -> None: ...

    def unarchive_issue(self, key: str, issue_id: str) -> None: ...

    def create_webhook(self, key: str, team_id: str, url: str, secret: str) -> str:
        """A webhook of the team's issues to ``url`` signed with ``secret``: its id."""
        ...

    def delete_webhook(self, key: str, webhook_id: str) -> None:
        """Delete the webhook; one already gone is no error."""
        ...


class SyncStore(Protocol):
    """``tenants/{t}/sync/linear`` (the connection, no secret), ``…/sync_links/{page}`` (what both
    sides last agreed, as hashes) and ``…/sync_log/{id}`` (the conflicts settled)."""

    def connection(self, tenant_id: str) -> LinearConnection | None: ...

    def save_connection(self, tenant_id: str, connection: LinearConnection) -> None: ...

    def delete_connection(self, tenant_id: str) -> None: ...

    def link(self, tenant_id: str, page_id: str) -> SyncLink | None: ...

    def link_of_issue(self, tenant_id: str, issue_id: str) -> SyncLink | None: ...

    def save_link(self, tenant_id: str, link: SyncLink) -> None:
        """Keep ``link``, and the issue's page beside it (``link_of_issue``)."""
        ...

    def claim_issue(self, tenant_id: str, issue_id: str, now: datetime) -> datetime | None:
        """Claim making a page for the issue: None when this call claimed it, else the earlier claim's time."""
        ...

    def log(self, tenant_id: str, entry: LogEntry) -> None: ...

    def read_log(self, tenant_id: str, since: datetime, limit: int = 50) -> list[LogEntry]: ...
