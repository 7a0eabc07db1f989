"""Searching a tenant's workspace index: vector and keyword candidates fused by reciprocal rank
(shared.memory.domain.retrieval), each result with its page, heading and link. The tenant names the
collection read, so no query reaches another tenant's passages; ``scopes`` narrow it to a reach.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.memory.domain.passages import passage_words, words
from shared.memory.domain.retrieval import KEYWORD_WEIGHT, bm25, fuse
from shared.platform.errors import BudgetSpent, ConfigError, TransientError

if TYPE_CHECKING:
    from shared.memory.domain.passages import StoredPassage
    from shared.memory.ports import Embedder, PassageStore
    from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)
CONTEXT_CHARS = 400  # of each passage in a planner's context (the whole context is 6,000)
VECTOR_CANDIDATES = 30
KEYWORD_CANDIDATES = 300  # passages holding a query word read to rank them by BM25


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
    cost_usd: float  # the query's embedding


def search(
    tenant_id: str,
    query: str,
    embedder: Embedder,
    store: PassageStore,
    *,
    limit: int = 8,
    scopes: list[str] | None = None,
) -> Searched:
    """The ``limit`` passages of the tenant's index that best answer ``query``, within ``scopes``
    (data source ids and ``page:<id>``) when given."""
    if not query.strip() or (scopes is not None and not scopes):
        return Searched([], 0.0)
    embedded = embedder.embed([" ".join(query.split())], "query")
    by_id: dict[str, StoredPassage] = {}
    vector_hits = store.nearest(tenant_id, embedded.vectors[0], VECTOR_CANDIDATES, scopes)
    by_id |= {p.passage_id: p for p in vector_hits}
    query_words = list(dict.fromkeys(words(query)))
    keyword_hits = store.keyword(tenant_id, query_words, KEYWORD_CANDIDATES, scopes)
    by_id |= {p.passage_id: p for p in keyword_hits}
    total, total_words = store.stats(tenant_id)
    ranked = bm25(
        query_words,
        {p.passage_id: passage_words(p.heading, p.text) for p in keyword_hits},
        total,
        total_words / total if total else 0.0,
    )
    rankings = [[p.passage_id for p in vector_hits], [pid for pid, _ in ranked[:VECTOR_CANDIDATES]]]
    fused = fuse(rankings, [1.0, KEYWORD_WEIGHT])
    results = [
        Found(p.page_id, p.title, p.heading, p.url, p.text, score)
        for pid, score in fused[:limit]
        for p in [by_id[pid]]
    ]
    return Searched(results, embedded.cost_usd)


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
        return as_dicts(search(tenant_id, query, paid, store, limit=limit, scopes=scopes).results)

    return run


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
