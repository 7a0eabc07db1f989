"""Searching a tenant's workspace index: vector and keyword candidates fused by their scores
(shared.memory.domain.retrieval, decision 0098), the first ``RERANK_CANDIDATES`` then reranked when a
reranker is given and answers within its time budget, each result with its page, heading and link.
The tenant names the collection read, so no query reaches another tenant's passages; ``scopes``
narrow it to a reach.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.memory.domain.passages import passage_words, words
from shared.memory.domain.retrieval import (
    EXACT_MATCH,
    PAGE_PASSAGES,
    PAGE_SHARE,
    VECTOR_SHARE,
    MaybeSignals,
    RerankPassages,
    Signals,
    bm25,
    convex,
    diversified,
    exact_matches,
    held,
    keyword_strength,
    minmax,
    query_weights,
    with_page_evidence,
)
from shared.platform.domain.embeddings import cosine
from shared.platform.errors import BudgetSpent, ConfigError, TransientError

if TYPE_CHECKING:
    from shared.memory.domain.passages import StoredPassage
    from shared.memory.ports import Embedder, PassageStore, Reranker
    from shared.platform.domain.embeddings import Reranked
    from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)
CONTEXT_CHARS = 400  # of each passage in a planner's context (the whole context is 6,000)
VECTOR_CANDIDATES = 30
KEYWORD_CANDIDATES = 300  # passages holding a query word read to rank them by BM25
RERANK_CANDIDATES = 30  # of the fused ranking, read again by the reranker
RERANK_BUDGET_S = 1.5  # past it the fused order stands: nobody waits for the reranker


class Found(NamedTuple):
    """One result: the passage, where it is, and its fused score."""

    page_id: str
    title: str
    heading: str
    url: str
    text: str
    score: float


class Searched(NamedTuple):
    results: list[Found]
    cost_usd: float  # the query's embedding, and the reranking when there was one
    reranked: bool = False  # the reranker's order (False: none given, or it was skipped)
    rerank_s: float = 0.0  # seconds spent asking the reranker


def search(
    tenant_id: str,
    query: str,
    embedder: Embedder,
    store: PassageStore,
    *,
    limit: int = 8,
    scopes: list[str] | None = None,
    reranker: Reranker | None = None,
    rerank_budget_s: float = RERANK_BUDGET_S,
    share: float = VECTOR_SHARE,
    gate: float = EXACT_MATCH,
    page_share: float = PAGE_SHARE,
    per_page: int = PAGE_PASSAGES,
) -> Searched:
    """The ``limit`` passages of the tenant's index that best answer ``query``, within ``scopes``
    (data source ids and ``page:<id>``) when given: vector and keyword candidates fused by score, the
    first ``RERANK_CANDIDATES`` reordered by ``reranker`` when it answers within ``rerank_budget_s``.
    ``share``: the vector leg's share of the fusion (1 with ``gate`` above 1: the vector leg alone; 0:
    the keyword leg's). ``gate``: the share of the query's information that a passage holding its rare
    words must hold to be an exact match (decisions 0098, 0152; above 1: none). ``page_share``:
    the share of a page's best other candidate added to each of its passages (decision 0134);
    ``per_page``: a page's passages in the list before every other candidate (0: no limit; 0152)."""
    if not query.strip() or (scopes is not None and not scopes):
        return Searched([], 0.0)
    embedded = embedder.embed([" ".join(query.split())], "query")
    [query_vector] = embedded.vectors
    by_id: dict[str, StoredPassage] = {}
    vector_hits = store.nearest(tenant_id, query_vector, VECTOR_CANDIDATES, scopes)
    by_id |= {p.passage_id: p for p in vector_hits}
    query_words = list(dict.fromkeys(words(query)))
    keyword_hits = store.keyword(tenant_id, query_words, KEYWORD_CANDIDATES, scopes)
    by_id |= {p.passage_id: p for p in keyword_hits}
    total, total_words = store.stats(tenant_id)
    keyword_docs = {p.passage_id: passage_words(p.heading, p.text) for p in keyword_hits}
    ranked = bm25(query_words, keyword_docs, total, total_words / total if total else 0.0)
    strength = keyword_strength(query_words, ranked[:VECTOR_CANDIDATES], keyword_docs, total)
    candidates = {p.passage_id for p in vector_hits} | strength.keys()  # BM25's first ones only
    similarity = {pid: cosine(query_vector, by_id[pid].vector) for pid in candidates}
    exact = exact_matches(query_words, keyword_docs, total, gate) & candidates
    fused = convex(similarity, strength, share, exact)
    weights = query_weights(query_words, keyword_docs, total)
    page_of = {pid: by_id[pid].page_id for pid in candidates}
    fused = diversified(with_page_evidence(fused, page_of, page_share), page_of, per_page)
    cost, reranked, spent = embedded.cost_usd, False, 0.0
    if reranker is not None and len(fused) > 1:
        head = fused[:RERANK_CANDIDATES]
        began = time.monotonic()
        signals = [
            _signals(by_id[pid], (score, n, pid in exact), similarity, strength, weights)
            for n, (pid, score) in enumerate(head)
        ]
        answer = reranker.rerank(
            query,
            [(by_id[pid].title, _rerank_text(by_id[pid])) for pid, _ in head],
            rerank_budget_s,
            signals=signals,
        )
        spent = time.monotonic() - began
        if answer is not None and len(answer.scores) == len(head):
            order = sorted(range(len(head)), key=lambda i: (-answer.scores[i], i))
            fused = [(head[i][0], answer.scores[i]) for i in order] + fused[RERANK_CANDIDATES:]
            cost, reranked = cost + answer.cost_usd, True
    fused = diversified(fused, page_of, per_page)  # the reranker's order, a page's share kept
    results = [
        Found(p.page_id, p.title, p.heading, p.url, p.text, score)
        for pid, score in fused[:limit]
        for p in [by_id[pid]]
    ]
    return Searched(results, cost, reranked, spent)


def _signals(
    p: StoredPassage,
    fusion: tuple[float, int, bool],
    similarity: dict[str, float],
    strength: dict[str, float],
    weights: dict[str, float],
) -> Signals:
    """What the search knows of candidate ``p`` for the reranker: ``fusion`` is its fused score, its
    place in the fused order and whether it matched the query's rare words exactly."""
    fused, place, exact = fusion
    scaled = minmax(similarity)
    body = passage_words(p.heading, p.text)
    return Signals(
        cosine=similarity[p.passage_id],
        scaled=scaled[p.passage_id],
        strength=strength.get(p.passage_id, 0.0),
        exact=float(exact),
        held=held(weights, body),
        heading=held(weights, words(p.heading)),
        fused=fused,
        rank=1.0 / (1 + place),
        length=math.log1p(len(body)),
    )


def _rerank_text(p: StoredPassage) -> str:
    """What the reranker reads of a passage: its heading, then its text."""
    return f"{p.heading}\n{p.text}" if p.heading else p.text


def as_dicts(found: list[Found]) -> list[dict[str, Any]]:
    """Results as a tool's output or a prompt's context holds them (the score left out)."""
    return [
        {"page_id": f.page_id, "title": f.title, "heading": f.heading, "url": f.url, "text": f.text}
        for f in found
    ]


def searcher(
    deps: Deps, tenant_id: str, scopes: list[str] | None
) -> Callable[[str, int], list[dict[str, Any]]]:
    """A run's search (``ToolContext.search``): the tenant's index within ``scopes``."""

    def run(query: str, limit: int) -> list[dict[str, Any]]:
        if deps.memory is None:
            raise RuntimeError("this function was built without the workspace index")
        from shared.runs.services.spend import PaidEmbedder

        embedder, store = deps.memory()
        paid = PaidEmbedder(deps, tenant_id, embedder)
        inner = deps.reranker() if deps.reranker is not None else None
        reranker = PaidReranker(deps, tenant_id, inner) if inner is not None else None
        budget = deps.settings.rerank_budget_s
        found = search(
            tenant_id,
            query,
            paid,
            store,
            limit=limit,
            scopes=scopes,
            reranker=reranker,
            rerank_budget_s=budget,
        )
        return as_dicts(found.results)

    return run


class PaidReranker:
    """Search's reranker, each call made and paid as an embedding call is
    (``shared.runs.services.spend.PaidEmbedder``); a workspace whose budget is spent is not reranked
    (search keeps its fused order)."""

    def __init__(self, deps: Deps, tenant_id: str, reranker: Reranker) -> None:
        self.deps, self.tenant_id, self.inner = deps, tenant_id, reranker

    @property
    def model(self) -> str:
        return self.inner.model

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        from shared.runs.services.spend import model_call

        with model_call(self.deps, self.tenant_id, 0.0, 0) as call:
            if call.problem:
                return None
            done = self.inner.rerank(query, passages, budget_s, signals=signals)
            call.paid(done.cost_usd if done is not None else 0.0)
        if done is not None and done.cost_usd > 0:
            from uuid import uuid4

            from shared.platform.domain.model_calls import ModelUsage

            used = ModelUsage(self.inner.model, len(passages), 0, done.cost_usd)
            self.deps.store.record_usage(self.tenant_id, uuid4().hex, self.deps.clock(), "rerank", used)
        return done


def context_passages(
    deps: Deps, tenant_id: str, query: str, scopes: list[str] | None, limit: int = 3
) -> list[dict[str, Any]]:
    """The passages a planner's context gets for ``query`` (clipped to ``CONTEXT_CHARS`` each), each
    numbered to cite; none when the index is off (``NA_WORKSPACE_INDEX``) or cannot be read now."""
    if deps.memory is None or not deps.settings.workspace_index or not query.strip():
        return []
    try:
        found = searcher(deps, tenant_id, scopes)(query, limit)
    except (TransientError, ConfigError, BudgetSpent) as exc:
        log.warning("workspace search skipped for planning: %s", exc)
        return []
    return [{"cite": f"[{n}]", **r, "text": r["text"][:CONTEXT_CHARS]} for n, r in enumerate(found, start=1)]
