"""An in-memory PassageStore (the workspace index's port) for unit tests, and a small embedder that
counts what it embeds; the Firestore adapter is tested against the emulator instead."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from shared.memory.domain.passages import IndexedPage, StoredPassage, passage_id, passage_words
from shared.memory.ports import PassageStore
from shared.platform.domain.embeddings import Embedded, Task, cosine


@dataclass
class FakePassages(PassageStore):
    """Passages and page records by tenant, searched by brute force as Firestore would answer."""

    passages: dict[str, dict[str, StoredPassage]] = field(default_factory=dict)
    pages: dict[str, dict[str, IndexedPage]] = field(default_factory=dict)
    # tenant -> (member, conversation id) -> turns
    conversations: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = field(default_factory=dict)

    def indexed_page(self, tenant_id: str, page_id: str) -> IndexedPage | None:
        return self.pages.get(tenant_id, {}).get(page_id)

    def indexed_pages(self, tenant_id: str) -> Iterator[IndexedPage]:
        return iter(list(self.pages.get(tenant_id, {}).values()))

    def write_page(
        self, tenant_id: str, page: IndexedPage, added: list[StoredPassage], removed: list[str]
    ) -> None:
        mine = self.passages.setdefault(tenant_id, {})
        mine |= {p.passage_id: p for p in added}
        for pid in removed:
            mine.pop(pid, None)
        self.pages.setdefault(tenant_id, {})[page.page_id] = page

    def delete_page(self, tenant_id: str, page_id: str) -> int:
        page = self.pages.get(tenant_id, {}).pop(page_id, None)
        if page is None:
            return 0
        for digest in page.digests:
            self.passages.get(tenant_id, {}).pop(passage_id(page_id, digest), None)
        return len(page.digests)

    def delete_all(self, tenant_id: str) -> int:
        gone = len(self.passages.pop(tenant_id, {})) + len(self.pages.pop(tenant_id, {}))
        gone += len(self.conversations.pop(tenant_id, {}))
        return gone

    def conversation(
        self, tenant_id: str, member_id: str, conversation_id: str
    ) -> list[tuple[str, str]] | None:
        turns = self.conversations.get(tenant_id, {}).get((member_id, conversation_id))
        return None if turns is None else list(turns)

    def add_turn(
        self, tenant_id: str, member_id: str, conversation_id: str, turn: tuple[str, str], keep: int
    ) -> None:
        mine = self.conversations.setdefault(tenant_id, {})
        key = (member_id, conversation_id)
        mine[key] = [*mine.get(key, []), turn][-keep:]

    def stats(self, tenant_id: str) -> tuple[int, int]:
        mine = self.passages.get(tenant_id, {}).values()
        return len(mine), sum(len(passage_words(p.heading, p.text)) for p in mine)

    def _within(self, tenant_id: str, scopes: list[str] | None) -> list[StoredPassage]:
        mine = list(self.passages.get(tenant_id, {}).values())
        return [p for p in mine if scopes is None or p.scope in scopes]

    def nearest(
        self, tenant_id: str, vector: list[float], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        found = self._within(tenant_id, scopes)
        return sorted(found, key=lambda p: -cosine(p.vector, vector))[:limit]

    def keyword(
        self, tenant_id: str, query_words: list[str], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        wanted = set(query_words[:30])
        found = [p for p in self._within(tenant_id, scopes) if wanted & set(passage_words(p.heading, p.text))]
        return found[:limit]


@dataclass
class WordCountEmbedder:
    """An embedder for unit tests: a vector of how often each of a few words occurs (not a model:
    the local model is tested in tests/integration/memory/test_embedders.py)."""

    vocabulary: tuple[str, ...] = ("price", "pricing", "tier", "hire", "hiring", "berlin", "ignore", "plan")
    texts: int = 0
    model: str = "word-count"
    usd_per_text: float = 0.0  # what a call costs, as Vertex AI's price per token would make it

    def embed(self, texts: list[str], task: Task) -> Embedded:
        self.texts += len(texts) if task == "document" else 0
        vectors = []
        for text in texts:
            lowered = text.lower()
            raw = [float(lowered.count(w)) for w in self.vocabulary] + [0.01]
            norm = sum(v * v for v in raw) ** 0.5
            vectors.append([v / norm for v in raw])
        return Embedded(self.model, vectors, len(texts), self.usd_per_text * len(texts))
