"""``make bench-rag``'s scale figures: a reconcile indexing a data source of many rows in the Notion
sandbox through the real Notion adapter, paced at one workspace's share, and the Firestore emulator.
Achieved: the sandbox's own 2xx answers a second while indexing; the ratio is that over the share.
Firestore operations are counted per passage at two sizes (they must not grow with the workspace).
"""

import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tests.perf.rag.rag_collection import Doc

MAX_BLOCKS = 100  # children one create request may carry (Notion's limit)
MAX_TEXT = 2_000  # characters of one rich text (Notion's limit)


class Share(NamedTuple):
    """One workspace's Notion share as the product paces it (shared/platform/config.py's defaults)."""

    rate_per_s: float
    burst: int

    @classmethod
    def product(cls) -> "Share":
        from shared.platform.config import Settings

        fields = Settings.model_fields
        return cls(float(fields["notion_rate_per_s"].default), int(fields["notion_burst"].default))


def _blocks(text: str) -> list[dict[str, Any]]:
    lines = [line[:MAX_TEXT] for line in text.splitlines() if line.strip()][:MAX_BLOCKS]
    return [
        {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": line}}]}}
        for line in lines
    ]


def add_rows(admin: Any, source: str, docs: list[Doc], start: int, count: int) -> None:
    """``count`` rows made by a person in ``source`` (the sandbox's act: not in its request log), row
    ``i`` holding document ``i`` of ``docs`` (cycled) with its number, so every row is distinct."""
    for i in range(start, start + count):
        doc = docs[i % len(docs)]
        title = f"{doc.title} #{i}"
        body = {
            "parent": {"data_source_id": source},
            "properties": {"Name": {"title": [{"text": {"content": title}}]}},
            "children": _blocks(doc.text),
        }
        done = admin.post("/workspaces/demo/act", {"method": "POST", "path": "/v1/pages", "body": body})
        assert done["status"] == 200, done


class Indexing(NamedTuple):
    pages: int
    passages: int  # embedded and written
    requests_ok: int  # the sandbox's 2xx answers while indexing
    refused: int  # its 429s
    busy_s: float
    firestore_ops: int  # documents read and written

    @property
    def ops_per_passage(self) -> float:
        return self.firestore_ops / max(1, self.passages)


def index_source(sandbox: Any, db: Any, tenant: str, source: str, share: Share) -> Indexing:
    """The reconcile of a workspace that chose ``source``: every row indexed through the paced adapter
    on a fresh tenant's index, timed against the sandbox's request log."""
    from local.notion_sandbox.testing import Admin
    from shared.memory.adapters.firestore_passages import FirestorePassages
    from shared.memory.adapters.local_embedder import WordLlamaEmbedder
    from shared.memory.services.workspace_index import chosen_pages, reconcile
    from shared.notion.adapters.notion import NotionApi, build_client
    from tests.perf.billing import OPS

    admin = Admin(sandbox.url)
    token = next(w["access_token"] for w in admin.get("/workspaces") if w["key"] == "demo")
    notion = NotionApi(build_client(sandbox.url, 20.0), 1.0, share.rate_per_s, share.burst).with_token(token)
    # The embedder stands for production's Vertex AI call, which costs this CPU next to nothing:
    # WordLlama is as cheap. all-MiniLM-L6-v2 on a loaded 2-core machine fell below the share, a
    # figure of that CPU, not of the pipeline this section measures (decision 0097).
    store, model = FirestorePassages(db), WordLlamaEmbedder()
    model.embed(["warm"], "document")  # the model loaded before the clock starts
    admin.delete("/requests")
    OPS.clear()
    started = datetime.now(UTC)
    wanted = chosen_pages(notion, [], [source])
    done = reconcile(tenant, notion, model, store, wanted)
    ended = datetime.now(UTC)
    log = [e for e in admin.get("/requests") if started <= datetime.fromisoformat(e["at"]) <= ended]
    return Indexing(
        pages=done["pages"],
        passages=done["embedded"],
        requests_ok=sum(1 for e in log if 200 <= int(e["status"]) < 300),
        refused=sum(1 for e in log if int(e["status"]) == 429),
        busy_s=(ended - started).total_seconds(),
        firestore_ops=OPS["reads"] + OPS["writes"],
    )


def run(db: Any, sandbox: Any, docs: list[Doc], pages: int, small: int, share: Share) -> dict[str, Any]:
    """A data source of ``small`` rows indexed, then one of ``pages`` rows (the share's throughput is
    this one's), each under its own tenant; the figures of both."""
    from local.notion_sandbox import seed_ids
    from local.notion_sandbox.testing import Admin
    from tests.perf.billing import CountingApi

    db._firestore_api_internal = CountingApi(db._firestore_api)
    admin = Admin(sandbox.url)
    admin.post("/reset")
    source = seed_ids("demo")["tasks_data_source"]
    began = time.perf_counter()
    add_rows(admin, source, docs, 0, small)
    window_s = 60.0  # Notion's budget per connection and window, as bench-notion limits the sandbox
    admin.post(
        "/limits", {"requests": max(1, round(share.rate_per_s * window_s)), "window_seconds": window_s}
    )
    try:
        few = index_source(sandbox, db, "scale-small", source, share)
        add_rows(admin, source, docs, small, pages - small)  # the seed's own rows are indexed too
        setup_s = time.perf_counter() - began - few.busy_s
        many = index_source(sandbox, db, "scale-large", source, share)
    finally:
        admin.post("/limits", {"requests": None})
    return {
        "share_per_s": share.rate_per_s,
        "burst": share.burst,
        "small": few._asdict() | {"ops_per_passage": few.ops_per_passage},
        "large": many._asdict() | {"ops_per_passage": many.ops_per_passage},
        "achieved_per_s": many.requests_ok / many.busy_s,
        "throughput_ratio": many.requests_ok / many.busy_s / share.rate_per_s,
        "ops_ratio": many.ops_per_passage / few.ops_per_passage,
        "setup_s": setup_s,
    }
