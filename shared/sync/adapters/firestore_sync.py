"""The sync store in Firestore (:class:`shared.sync.ports.ToolStore`), one per tool. Linear's, under
``tenants/{t}``: ``sync/linear`` (the connection), ``sync_links/{page}`` (a page's issue and what each
side last held), ``sync_issues/{issue}`` (the issue's page, or the claim of a page being made for it)
and ``sync_log/{id}`` (conflicts settled). GitLab's: ``sync/gitlab``, ``gitlab_links``,
``gitlab_issues`` and ``gitlab_log`` the same way; Motion's ``sync/motion``, ``motion_links``,
``motion_tasks`` and ``motion_log``. No secret is stored here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import plain_times, transient
from shared.sync.domain import connection as kept
from shared.sync.domain.connection import LogEntry, SyncLink, ToolConnection

TIMEOUT_S = 10.0


class Names(NamedTuple):
    """A tool's documents: its connection's name in ``sync``, and its collections."""

    tool: str
    links: str
    issues: str
    log: str


LINEAR = Names("linear", "sync_links", "sync_issues", "sync_log")
GITLAB = Names("gitlab", "gitlab_links", "gitlab_issues", "gitlab_log")
MOTION = Names("motion", "motion_links", "motion_tasks", "motion_log")


class ToolSync[C: ToolConnection]:
    """One tool's store; :class:`FirestoreSync` (Linear's) and :class:`FirestoreGitLabSync` name it."""

    def __init__(self, client: Any, names: Names, model: type[C]) -> None:
        self._tenants = client.collection("tenants")
        self._names, self._model = names, model

    def _doc(self, tenant_id: str, collection: str, name: str) -> Any:
        return self._tenants.document(tenant_id).collection(collection).document(name)

    def connection(self, tenant_id: str) -> C | None:
        with transient():
            snap = self._doc(tenant_id, "sync", self._names.tool).get(timeout=TIMEOUT_S)
        return self._model.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def save_connection(self, tenant_id: str, connection: C) -> None:
        with transient():
            self._doc(tenant_id, "sync", self._names.tool).set(connection.model_dump(), timeout=TIMEOUT_S)

    def delete_connection(self, tenant_id: str) -> None:
        with transient():
            self._doc(tenant_id, "sync", self._names.tool).delete(timeout=TIMEOUT_S)

    def link(self, tenant_id: str, page_id: str) -> SyncLink | None:
        with transient():
            snap = self._doc(tenant_id, self._names.links, page_id).get(timeout=TIMEOUT_S)
        return SyncLink.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def link_of_issue(self, tenant_id: str, issue_id: str) -> SyncLink | None:
        with transient():
            snap = self._doc(tenant_id, self._names.issues, issue_id).get(timeout=TIMEOUT_S)
        page_id = (snap.to_dict() or {}).get("page_id") if snap.exists else None
        return self.link(tenant_id, page_id) if page_id else None

    def save_link(self, tenant_id: str, link: SyncLink) -> None:
        with transient():
            self._doc(tenant_id, self._names.issues, link.issue_id).set(
                {"page_id": link.page_id}, merge=True, timeout=TIMEOUT_S
            )
            self._doc(tenant_id, self._names.links, link.page_id).set(link.model_dump(), timeout=TIMEOUT_S)

    def claim_issue(self, tenant_id: str, issue_id: str, now: datetime) -> datetime | None:
        """Claim making the issue's page: None when this call claimed it, else when it was claimed."""
        ref = self._doc(tenant_id, self._names.issues, issue_id)
        with transient():
            try:
                ref.create({"claimed_at": now}, timeout=TIMEOUT_S)
            except gexc.AlreadyExists:
                claimed = plain_times(ref.get(timeout=TIMEOUT_S).to_dict()).get("claimed_at")
                return claimed if isinstance(claimed, datetime) else now
        return None

    def log(self, tenant_id: str, entry: LogEntry) -> None:
        """The entry under its id (:meth:`LogEntry.entry_id`): written again, it is the same one."""
        with transient():
            self._doc(tenant_id, self._names.log, entry.entry_id()).set(entry.model_dump(), timeout=TIMEOUT_S)

    def read_log(self, tenant_id: str, since: datetime, limit: int = 50) -> list[LogEntry]:
        query = (
            self._tenants.document(tenant_id)
            .collection(self._names.log)
            .where(filter=FieldFilter("at", ">=", since))
            .order_by("at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        with transient():
            return [
                LogEntry.model_validate(plain_times(s.to_dict())) for s in query.stream(timeout=TIMEOUT_S)
            ]


class FirestoreSync(ToolSync[kept.LinearConnection]):
    """Linear's store (:class:`shared.sync.ports.SyncStore`)."""

    def __init__(self, client: Any) -> None:
        super().__init__(client, LINEAR, kept.LinearConnection)


class FirestoreGitLabSync(ToolSync[kept.GitLabConnection]):
    """GitLab's store (:class:`shared.sync.ports.GitLabStore`)."""

    def __init__(self, client: Any) -> None:
        super().__init__(client, GITLAB, kept.GitLabConnection)


class FirestoreMotionSync(ToolSync[kept.MotionConnection]):
    """Motion's store (:class:`shared.sync.ports.MotionStore`)."""

    def __init__(self, client: Any) -> None:
        super().__init__(client, MOTION, kept.MotionConnection)
