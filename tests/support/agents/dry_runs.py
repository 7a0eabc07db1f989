"""What a dry run must leave as it was, shared by its api and red team tests: the
workspace's Firestore documents but its spend and audit log, Notion's writes, and the queued tasks."""

from typing import Any

# Where a paid model call is counted, and the audit log's record of the request: what a dry run may write.
SPEND = ("/spend/", "/spend_holds/", "/usage/", "/audit/")
READ_POSTS = ("/query", "/v1/search")  # Notion's reads sent as POST


def firestore_docs(db: Any, tenant_id: str) -> dict[str, Any]:
    """Every document under ``tenants/{tenant_id}`` but the spend's and the audit log's, by path, with its update time."""
    found: dict[str, Any] = {}

    def walk(ref: Any) -> None:
        for collection in ref.collections():
            for snap in collection.stream():
                if not any(part in f"/{snap.reference.path}/" for part in SPEND):
                    found[snap.reference.path] = snap.update_time
                walk(snap.reference)

    walk(db.collection("tenants").document(tenant_id))
    return found


def notion_writes(requests: list[dict[str, Any]]) -> list[str]:
    """The Notion API calls among the sandbox's ``requests`` log that change something."""
    return [
        f"{r['method']} {r['path']}"
        for r in requests
        if str(r["path"]).startswith("/v1/")
        and r["method"] != "GET"
        and not (r["method"] == "POST" and str(r["path"]).endswith(READ_POSTS))
    ]
