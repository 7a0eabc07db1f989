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
    """Search's reranker behind one port (decisions 0098, 0153): Vertex AI's ranking API; with the
    offline backend (the local stack, the demo, the bench) the shipped learned reranker, which runs on
    CPU in under a millisecond; none when ``NA_SEARCH_RERANK`` is off."""
    s = part.instance.settings
    if not s.search_rerank:
        return None
    if s.model_backend == "offline":
        from shared.memory.adapters.learned_reranker import LearnedReranker

        return LearnedReranker()
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
