"""The sync's two fields named for the tool (decision 0150): a page's link and a log entry stored
before, under ``linear_seen`` and ``linear_at``, are read as ``tool_seen`` and ``tool_at``; a write
stores the new names only; and the api still shows the tool's time as ``<tool>_at``."""

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.sync.adapters.firestore_sync import FirestoreGitLabSync, FirestoreSync
from shared.sync.domain.connection import LogEntry

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _tenant(client: Any) -> tuple[str, Any]:
    tenant_id = f"t-{uuid.uuid4().hex[:12]}"
    return tenant_id, client.collection("tenants").document(tenant_id)


def test_a_link_stored_before_is_read_by_its_old_name_and_written_by_its_new(firestore_emulator: Any) -> None:
    client = firestore_emulator.client()
    for store, links in (
        (FirestoreSync(client), "sync_links"),
        (FirestoreGitLabSync(client), "gitlab_links"),
    ):
        tenant_id, tenant = _tenant(client)
        old = {
            "page_id": "p1",
            "issue_id": "i1",
            "notion_seen": {"title": "n"},
            "linear_seen": {"title": "h"},
        }
        tenant.collection(links).document("p1").set(old)  # as production stored it before 0150
        link = store.link(tenant_id, "p1")
        assert link is not None and link.tool_seen == {"title": "h"} and link.notion_seen == {"title": "n"}
        store.save_link(tenant_id, link.model_copy(update={"tool_seen": {"title": "h2"}}))
        stored = tenant.collection(links).document("p1").get().to_dict()
        assert stored["tool_seen"] == {"title": "h2"} and "linear_seen" not in stored
        again = store.link(tenant_id, "p1")
        assert again is not None and again.tool_seen == {"title": "h2"}


def test_a_log_entry_stored_before_is_read_by_its_old_name(firestore_emulator: Any) -> None:
    client = firestore_emulator.client()
    store = FirestoreSync(client)
    tenant_id, tenant = _tenant(client)
    entry = {"at": AT, "page_id": "p1", "issue_id": "i1", "field": "title", "winner": "linear"}
    tenant.collection("sync_log").document("old").set(entry | {"notion_at": AT, "linear_at": AT})
    store.log(tenant_id, LogEntry(**entry, notion_at=AT, tool_at=AT, title="Ship it"))
    read = store.read_log(tenant_id, AT)
    assert [e.tool_at for e in read] == [AT, AT]
    written = [d.to_dict() for d in tenant.collection("sync_log").stream() if d.id != "old"]
    assert [("tool_at" in d, "linear_at" in d) for d in written] == [(True, False)]
