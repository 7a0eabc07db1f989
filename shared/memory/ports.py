"""Memory's ports: the embedder and the passage store (the workspace index).

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.memory.domain.passages import IndexedPage, StoredPassage
    from shared.memory.domain.retrieval import MaybeSignals, RerankPassages
    from shared.platform.domain.embeddings import Embedded, Reranked, Task


class Embedder(Protocol):
    """An embedding model: Vertex AI in production, a local model that runs on CPU elsewhere."""

    @property
    def model(self) -> str:
        """The model's name, stored with each vector: a vector of another model is embedded again."""
        ...

    def embed(self, texts: list[str], task: Task) -> Embedded:
        """Unit vectors of ``texts`` for retrieval (``task``: a passage or a query). TransientError to
        retry; ConfigError for a refusal no retry mends."""
        ...


class Reranker(Protocol):
    """A model that reads a query with each candidate passage and scores how well it answers it:
    Vertex AI's ranking API in production, a local model on CPU elsewhere (decision 0098)."""

    @property
    def model(self) -> str: ...

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        """A score for each (title, text) of ``passages`` (higher answers ``query`` better), or None
        when it cannot answer within ``budget_s`` seconds or fails: the caller keeps its order then
        (nobody waits for a reranker). Never raises for a slow or failed call. ``signals``: what the
        search knows of each passage (its legs' scores), for a model that learns from them (decision
        0153); a model that reads the text may ignore them."""
        ...


class PassageStore(Protocol):
    """The workspace index of one tenant at a time (``tenants/{t}/passages``, ``index_pages``,
    ``index_meta``): every method takes the tenant and reads or writes under it alone."""

    def indexed_page(self, tenant_id: str, page_id: str) -> IndexedPage | None: ...

    def indexed_pages(self, tenant_id: str) -> Iterator[IndexedPage]:
        """Every page the tenant's index holds (the nightly reconcile's list)."""
        ...

    def write_page(
        self, tenant_id: str, page: IndexedPage, added: list[StoredPassage], removed: list[str]
    ) -> None:
        """Store the page's record, create ``added``, delete the passages ``removed`` (ids); the
        record is written last, so a crash before it leaves the page to index again."""
        ...

    def delete_page(self, tenant_id: str, page_id: str) -> int:
        """Remove the page and its passages; how many passages went (0: it was not indexed)."""
        ...

    def delete_all(self, tenant_id: str) -> int:
        """Delete the tenant's whole index (a disconnect); how many documents went."""
        ...

    def stats(self, tenant_id: str) -> tuple[int, int]:
        """(passages, words) in the tenant's index: BM25's collection size and average length."""
        ...

    def nearest(
        self, tenant_id: str, vector: list[float], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """The ``limit`` passages nearest ``vector`` by cosine; only ``scopes``' when given."""
        ...

    def keyword(
        self, tenant_id: str, query_words: list[str], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """Passages holding any of ``query_words`` (at most ``limit``); only ``scopes``' when given."""
        ...

    def conversation(
        self, tenant_id: str, member_id: str, conversation_id: str
    ) -> list[tuple[str, str]] | None:
        """The turns (question, answer), oldest first, of ``member_id``'s Ask conversation
        ``conversation_id``; None when that person has none of that id (another person's is none)."""
        ...

    def add_turn(
        self, tenant_id: str, member_id: str, conversation_id: str, turn: tuple[str, str], keep: int
    ) -> None:
        """``turn`` added to ``member_id``'s conversation (started by the first), which keeps its latest
        ``keep`` turns."""
        ...


type Memory = tuple[Embedder, PassageStore]  # the workspace index and the model that embeds for it
