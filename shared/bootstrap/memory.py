"""Memory's part of the composition root: the passage store, the embedder and search's reranker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built
from shared.bootstrap.platform import on_vertex

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.memory.ports import Embedder, PassageStore, Reranker


def _embedder(part: Memory) -> Embedder:
    s = part.instance.settings
    if s.model_backend == "offline":
        from shared.memory.adapters.local_embedder import LocalEmbedder

        return LocalEmbedder()
    from shared.memory.adapters.vertex_embedder import TIMEOUT_S, VertexEmbedder

    price = s.model_prices.get(s.model_embed, (0.0, 0.0))[0]
    return VertexEmbedder(on_vertex(s, s.model_base_url, TIMEOUT_S), s.model_embed, price)


def _reranker(part: Memory) -> Reranker | None:
    """Search's reranker (decision 0098): Vertex AI's ranking API; none when ``NA_SEARCH_RERANK``
    is off, nor with the offline backend (the local stand-in, ``LocalReranker``, is slow and its
    effect mixed on ``make bench-rag``'s held-out questions: the bench measures it, search does not)."""
    s = part.instance.settings
    if not s.search_rerank or s.model_backend == "offline":
        return None
    from shared.memory.adapters.vertex_reranker import VertexReranker

    return VertexReranker(on_vertex(s, s.rerank_base_url), s.rerank_model, s.rerank_price_per_1k)


class Memory:
    """Memory's ports."""

    # Vertex AI's embeddings, through google-genai too
    embedder: Built[Embedder] = Built(
        "shared.memory.adapters.vertex_embedder", ("google.genai", "httpx"), _embedder
    )
    passages: Built[PassageStore] = Built.firestore(
        "shared.memory.adapters.firestore_passages", "FirestorePassages"
    )
    # the ranking API over REST; its endpoint check is the model's
    reranker: Built[Reranker | None] = Built(
        "shared.memory.adapters.vertex_reranker", ("httpx", "google.genai"), _reranker
    )

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
