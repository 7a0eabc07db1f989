"""The workspace index in Firestore, always under one tenant: ``tenants/{t}/passages/{page-hash}``
(text, heading, link, a vector field ``embedding`` and the ``terms`` a keyword query matches),
``tenants/{t}/index_pages/{page}`` (a page's hashes and last edit) and ``tenants/{t}/index_meta/stats``
(passages and words, for BM25). A query names its tenant's collection: no other tenant's is read.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
from google.cloud.firestore_v1.vector import Vector

from shared.memory.domain.passages import IndexedPage, StoredPassage, passage_words, terms
from shared.platform.errors import TransientError

_TRANSIENT = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.Aborted, gexc.InternalServerError)
BATCH = 400  # writes per commit (Firestore takes 500)
MAX_SCOPES = 30  # values of one ``in`` filter


class FirestorePassages:
    def __init__(self, client: Any) -> None:
        self._db = client

    def _tenant(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id)

    def indexed_page(self, tenant_id: str, page_id: str) -> IndexedPage | None:
        snap = self._tenant(tenant_id).collection("index_pages").document(page_id).get()
        return _page(snap.to_dict()) if snap.exists else None

    def indexed_pages(self, tenant_id: str) -> Iterator[IndexedPage]:
        for snap in self._tenant(tenant_id).collection("index_pages").stream():
            yield _page(snap.to_dict() or {})

    def write_page(
        self, tenant_id: str, page: IndexedPage, added: list[StoredPassage], removed: list[str]
    ) -> None:
        """Store ``page``'s record, create ``added`` and delete the passages ``removed`` (ids)."""
        tenant = self._tenant(tenant_id)
        passages = tenant.collection("passages")
        writes: list[tuple[str, Any, dict[str, Any] | None]] = []
        for p in added:
            writes.append(("set", passages.document(p.passage_id), _passage_doc(p)))
        writes += [("delete", passages.document(pid), None) for pid in removed]
        delta_words = sum(len(passage_words(p.heading, p.text)) for p in added)
        stats = {
            "passages": firestore.Increment(len(added) - len(removed)),
            "words": firestore.Increment(delta_words),
        }
        page_doc = page._asdict() | {"indexed_at": datetime.now(UTC)}
        self._commit(
            writes,
            [
                ("set", tenant.collection("index_pages").document(page.page_id), page_doc),
                ("merge", tenant.collection("index_meta").document("stats"), stats),
            ],
        )

    def passage_words(self, tenant_id: str, passage_ids: list[str]) -> int:
        """How many words the passages ``passage_ids`` hold (read before they are deleted)."""
        passages = self._tenant(tenant_id).collection("passages")
        refs = [passages.document(pid) for pid in passage_ids]
        docs = [s.to_dict() or {} for s in self._db.get_all(refs) if s.exists]
        return sum(len(passage_words(str(d.get("heading", "")), str(d.get("text", "")))) for d in docs)

    def delete_page(self, tenant_id: str, page_id: str) -> int:
        """Remove a page and its passages from the index; how many passages went."""
        page = self.indexed_page(tenant_id, page_id)
        if page is None:
            return 0
        ids = [f"{page_id}-{d[:32]}" for d in page.digests]
        gone_words = self.passage_words(tenant_id, ids)
        tenant = self._tenant(tenant_id)
        writes: list[tuple[str, Any, dict[str, Any] | None]] = [
            ("delete", tenant.collection("passages").document(pid), None) for pid in ids
        ]
        stats = {"passages": firestore.Increment(-len(ids)), "words": firestore.Increment(-gone_words)}
        self._commit(
            writes,
            [
                ("delete", tenant.collection("index_pages").document(page_id), None),
                ("merge", tenant.collection("index_meta").document("stats"), stats),
            ],
        )
        return len(ids)

    def delete_all(self, tenant_id: str) -> int:
        """The tenant's whole index deleted (a disconnect); how many documents went."""
        tenant = self._tenant(tenant_id)
        count = 0
        for name in ("passages", "index_pages", "index_meta", "ask_conversations"):
            refs = [snap.reference for snap in tenant.collection(name).select([]).stream()]
            self._commit([("delete", ref, None) for ref in refs], [])
            count += len(refs)
        return count

    def _conversation(self, tenant_id: str, member_id: str, conversation_id: str) -> Any:
        """``tenants/{t}/ask_conversations/{member}-{id}``: a person's conversation is named by them
        too, so another person's id names no document of theirs (and no write of theirs reaches it)."""
        return (
            self._tenant(tenant_id).collection("ask_conversations").document(f"{member_id}-{conversation_id}")
        )

    def conversation(
        self, tenant_id: str, member_id: str, conversation_id: str
    ) -> list[tuple[str, str]] | None:
        """The person's conversation's turns, oldest first; None when they have none of that id."""
        snap = self._conversation(tenant_id, member_id, conversation_id).get()
        if not snap.exists or (snap.to_dict() or {}).get("member_id") != member_id:
            return None
        turns = (snap.to_dict() or {}).get("turns") or []
        return [(str(t.get("question", "")), str(t.get("answer", ""))) for t in turns]

    def add_turn(
        self, tenant_id: str, member_id: str, conversation_id: str, turn: tuple[str, str], keep: int
    ) -> None:
        """One read and one write: the latest ``keep`` turns (a lost race drops a turn, never more)."""
        turns = [*(self.conversation(tenant_id, member_id, conversation_id) or []), turn][-keep:]
        self._conversation(tenant_id, member_id, conversation_id).set(
            {
                "member_id": member_id,
                "turns": [{"question": q, "answer": a} for q, a in turns],
                "updated_at": datetime.now(UTC),
            }
        )

    def stats(self, tenant_id: str) -> tuple[int, int]:
        """(passages, words) the tenant's index holds."""
        snap = self._tenant(tenant_id).collection("index_meta").document("stats").get()
        doc = snap.to_dict() or {} if snap.exists else {}
        return int(doc.get("passages", 0)), int(doc.get("words", 0))

    def nearest(
        self, tenant_id: str, vector: list[float], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """The ``limit`` passages nearest ``vector`` (cosine), within ``scopes`` when given."""
        query: Any = self._tenant(tenant_id).collection("passages")
        if scopes is not None:
            if not scopes:
                return []
            query = query.where(filter=FieldFilter("scope", "in", scopes[:MAX_SCOPES]))
        found = query.find_nearest(
            vector_field="embedding",
            query_vector=Vector(vector),
            distance_measure=DistanceMeasure.COSINE,
            limit=limit,
        )
        return self._read(found)

    def keyword(
        self, tenant_id: str, query_words: list[str], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """Passages holding any of ``query_words`` (at most 30 used), at most ``limit``, within
        ``scopes`` when given (kept after the read: one query takes one disjunction)."""
        if not query_words or (scopes is not None and not scopes):
            return []
        collection = self._tenant(tenant_id).collection("passages")
        query = collection.where(filter=FieldFilter("terms", "array_contains_any", query_words[:30])).limit(
            limit
        )
        found = self._read(query)
        allowed = set(scopes) if scopes is not None else None
        return [p for p in found if allowed is None or p.scope in allowed]

    def _read(self, query: Any) -> list[StoredPassage]:
        try:
            return [_stored(snap.id, snap.to_dict() or {}) for snap in query.stream()]
        except _TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def _commit(
        self,
        writes: list[tuple[str, Any, dict[str, Any] | None]],
        last: list[tuple[str, Any, dict[str, Any] | None]],
    ) -> None:
        """``writes`` in batches of ``BATCH``, ``last`` with the final one (a page's record last:
        a crash before it leaves the page to be indexed again, which finds what was written)."""
        everything = writes + last
        try:
            for start in range(0, max(len(everything), 1), BATCH):
                batch = self._db.batch()
                for op, ref, doc in everything[start : start + BATCH]:
                    if op == "delete":
                        batch.delete(ref)
                    else:
                        batch.set(ref, doc, merge=op == "merge")
                batch.commit()
        except _TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc


def _passage_doc(p: StoredPassage) -> dict[str, Any]:
    doc = p._asdict()
    del doc["passage_id"]
    del doc["vector"]
    return doc | {"embedding": Vector(p.vector), "terms": terms(f"{p.heading}\n{p.text}")}


def _stored(passage_id: str, doc: dict[str, Any]) -> StoredPassage:
    vector = doc.get("embedding")
    return StoredPassage(
        passage_id=passage_id,
        page_id=str(doc.get("page_id", "")),
        scope=str(doc.get("scope", "")),
        title=str(doc.get("title", "")),
        url=str(doc.get("url", "")),
        heading=str(doc.get("heading", "")),
        text=str(doc.get("text", "")),
        digest=str(doc.get("digest", "")),
        model=str(doc.get("model", "")),
        position=int(doc.get("position", 0)),
        vector=list(vector) if vector is not None else [],
    )


def _page(doc: dict[str, Any]) -> IndexedPage:
    return IndexedPage(
        page_id=str(doc.get("page_id", "")),
        scope=str(doc.get("scope", "")),
        title=str(doc.get("title", "")),
        url=str(doc.get("url", "")),
        last_edited_time=str(doc.get("last_edited_time", "")),
        digests=[str(d) for d in doc.get("digests", [])],
        model=str(doc.get("model", "")),
        cut_short=str(doc.get("cut_short", "")),
    )
