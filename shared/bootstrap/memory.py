"""Memory's adapters: the passage store and the embedder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.agents import AgentsParts
from shared.bootstrap.base import Built
from shared.bootstrap.platform import on_vertex

if TYPE_CHECKING:
    from shared.memory.ports import Embedder, PassageStore, Reranker


class MemoryParts(AgentsParts):
    """Memory's adapters. Built once per instance."""

    embedder: Built[Embedder] = Built()
    passages: Built[PassageStore] = Built("FirestorePassages")
    reranker: Built[Reranker | None] = Built()

    def _build_embedder(self) -> Embedder:
        s = self.settings
        if s.model_backend == "offline":
            from shared.memory.adapters.local_embedder import LocalEmbedder

            return LocalEmbedder()
        from shared.memory.adapters.vertex_embedder import TIMEOUT_S, VertexEmbedder

        price = s.model_prices.get(s.model_embed, (0.0, 0.0))[0]
        return VertexEmbedder(on_vertex(s, s.model_base_url, TIMEOUT_S), s.model_embed, price)

    def _build_reranker(self) -> Reranker | None:
        """Search's reranker (decision 0098): Vertex AI's ranking API; none when ``NA_SEARCH_RERANK``
        is off, nor with the offline backend (the local stand-in, ``LocalReranker``, is slow and its
        effect mixed on ``make bench-rag``'s held-out questions: the bench measures it, search does not)."""
        s = self.settings
        if not s.search_rerank or s.model_backend == "offline":
            return None
        from shared.memory.adapters.vertex_reranker import VertexReranker

        return VertexReranker(on_vertex(s, s.rerank_base_url), s.rerank_model, s.rerank_price_per_1k)
