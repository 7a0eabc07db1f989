"""``make bench-rag``'s quality figures for one collection: recall@5, MRR and nDCG@10 on
judged questions, each a mean over questions with a 95 % bootstrap interval (resampling questions),
for the vector leg alone, the keyword leg alone, the fusion, the fusion reranked, the plain
transformer (all-MiniLM-L6-v2 over whole pages, cosine, nothing else) and the same index built with
WordLlama (decision 0097's comparison); search latency with and without the reranker.
"""

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.memory.adapters.firestore_passages import FirestorePassages
from shared.memory.ports import Embedder, Reranker
from shared.memory.services.workspace_search import RERANK_BUDGET_S, search
from shared.platform.domain.embeddings import cosine

K = 10
RESAMPLES = 1000

type Judged = list[tuple[str, frozenset[str]]]
type Ranker = Callable[[str], list[str]]


def recall(ranked: Sequence[str], relevant: frozenset[str], k: int = 5) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def rr(ranked: Sequence[str], relevant: frozenset[str]) -> float:
    """1 / the rank of the first relevant page (0 when none is in ``ranked``)."""
    return next((1 / (i + 1) for i, d in enumerate(ranked) if d in relevant), 0.0)


def ndcg(ranked: Sequence[str], relevant: frozenset[str], k: int = K) -> float:
    gains = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return gains / ideal


METRICS: dict[str, Callable[[Sequence[str], frozenset[str]], float]] = {
    "recall_at_5": recall,
    "mrr": rr,
    "ndcg_at_10": ndcg,
}


def interval(values: Sequence[float], seed: int = 67) -> tuple[float, float, float]:
    """(mean, 2.5th, 97.5th percentile of the mean over ``RESAMPLES`` resamples of ``values``)."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(RESAMPLES))
    return sum(values) / n, means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def paired(
    better: Ranker, than: Ranker, judged: Judged, metrics: Sequence[str] = ("recall_at_5", "mrr")
) -> dict[str, tuple[float, float, float]]:
    """Each of ``metrics``' mean difference ``better`` - ``than`` over ``judged``, with its 95 %
    interval from resampling the questions with both rankings' values together (a paired bootstrap):
    an interval holding 0 is a difference these questions cannot tell from chance."""
    out = {}
    for name in metrics:
        metric = METRICS[name]
        diffs = [metric(better(q), relevant) - metric(than(q), relevant) for q, relevant in judged]
        out[name] = interval(diffs)
    return out


def measure(rank: Ranker, judged: Judged) -> dict[str, tuple[float, float, float]]:
    """Each metric of ``rank`` (a question → page ids, best first) over ``judged``, with its interval."""
    per: dict[str, list[float]] = {m: [] for m in METRICS}
    for question, relevant in judged:
        ranked = rank(question)
        for name, metric in METRICS.items():
            per[name].append(metric(ranked, relevant))
    return {name: interval(values) for name, values in per.items()}


def index_ranker(
    store: FirestorePassages,
    model: Embedder,
    tenant: str,
    doc_of: dict[str, str],
    *,
    share: float | None = None,
    gate: float | None = None,
    page_share: float | None = None,
    reranker: Reranker | None = None,
    timings: list[float] | None = None,
) -> Ranker:
    """The product's search in ``tenant``'s index, pages in order of their best passage; ``share``, ``gate``
    and ``page_share`` the fusion's (None: the product's), ``timings`` collects each search's seconds."""

    def rank(question: str) -> list[str]:
        began = time.perf_counter()
        kw: dict[str, Any] = {"share": share} if share is not None else {}
        kw |= {"gate": gate} if gate is not None else {}
        kw |= {"page_share": page_share} if page_share is not None else {}
        found = search(
            tenant,
            question,
            model,
            store,
            limit=3 * K,
            reranker=reranker,
            rerank_budget_s=RERANK_BUDGET_S,
            **kw,
        ).results
        if timings is not None:
            timings.append(time.perf_counter() - began)
        return list(dict.fromkeys(doc_of[f.page_id] for f in found))[:K]

    return rank


def plain_ranker(doc_ids: Sequence[str], texts: Sequence[str], model: Embedder) -> Ranker:
    """The plain transformer: each whole page embedded once, ranked by cosine with the question."""
    vectors = model.embed(list(texts), "document").vectors

    def rank(question: str) -> list[str]:
        [q] = model.embed([question], "query").vectors
        order = sorted(range(len(doc_ids)), key=lambda i: -cosine(vectors[i], q))
        return [doc_ids[i] for i in order[:K]]

    return rank


def remembered(rank: Ranker) -> Ranker:
    """``rank`` searching each question once: the legs' rankings are measured alone and again inside
    the fusion before decision 0098 (``rrf_ranker``), and a search on the emulator takes seconds."""
    seen: dict[str, list[str]] = {}

    def once(question: str) -> list[str]:
        if question not in seen:
            seen[question] = rank(question)
        return seen[question]

    return once


def rrf_ranker(vector: Ranker, keyword: Ranker) -> Ranker:
    """The fusion before decision 0098, over the two legs' page rankings: reciprocal rank, k = 5,
    the keyword leg weighted 0.8."""
    from shared.memory.domain.retrieval import fuse

    def rank(question: str) -> list[str]:
        return [d for d, _ in fuse([vector(question), keyword(question)], [1.0, 0.8], k=5)][:K]

    return rank


def collection(
    store: FirestorePassages,
    model: Embedder,
    tenant: str,
    doc_of: dict[str, str],
    docs: Sequence[Any],
    judged: Judged,
    reranker: Reranker | None,
    plain: Embedder | None = None,
) -> dict[str, Any]:
    """Every ranking's figures on ``judged`` over ``tenant``'s index of ``docs``; latencies of the
    product's search with and without ``reranker`` (None: no reranked figures); ``plain``: the plain
    transformer's model (``model`` unless given)."""
    fused_s: list[float] = []
    reranked_s: list[float] = []
    vector = remembered(index_ranker(store, model, tenant, doc_of, share=1.0, gate=2.0))
    keyword = remembered(index_ranker(store, model, tenant, doc_of, share=0.0))
    rerank_calls: list[bool] = []

    def reranked(question: str) -> list[str]:
        began = time.perf_counter()
        got = search(
            tenant, question, model, store, limit=3 * K, reranker=reranker, rerank_budget_s=RERANK_BUDGET_S
        )
        reranked_s.append(time.perf_counter() - began)
        rerank_calls.append(got.reranked)
        return list(dict.fromkeys(doc_of[f.page_id] for f in got.results))[:K]

    fused = remembered(index_ranker(store, model, tenant, doc_of, timings=fused_s))
    plain_rank = remembered(plain_ranker([d.doc_id for d in docs], [d.text for d in docs], plain or model))
    figures: dict[str, Any] = {
        "questions": len(judged),
        "vector": measure(vector, judged),
        "keyword": measure(keyword, judged),
        "rrf": measure(rrf_ranker(vector, keyword), judged),
        "fused": measure(fused, judged),
        "plain": measure(plain_rank, judged),
    }
    shown = {"fused": fused}
    if reranker is not None:
        shown["reranked"] = remembered(reranked)
        figures["reranked"] = measure(shown["reranked"], judged)
    figures["paired"] = {
        (ranking, floor): paired(rank, floor_rank, judged)
        for ranking, rank in shown.items()
        for floor, floor_rank in (("vector", vector), ("plain", plain_rank))
    }
    return figures | {
        "reranked_all": bool(rerank_calls) and all(rerank_calls),
        "search_p50_s": percentile(fused_s, 0.5),
        "search_p95_s": percentile(fused_s, 0.95),
        "reranked_p50_s": percentile(reranked_s, 0.5),
        "reranked_p95_s": percentile(reranked_s, 0.95),
    }


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else 0.0


def line(name: str, figures: dict[str, Any]) -> str:
    """The collection's RESULT line (means; intervals are printed above it): the reranked ranking's,
    or the fused one's when nothing was reranked (``--no-rerank``; then ``reranked=0``);
    ``search_p95_s`` is the product's search (reranked unless ``--no-rerank``). Each figure on it is
    one ``bench_rag.quality_goals`` asserts; nDCG@10, which none asserts, is in the table alone."""
    r, p, legs = figures.get("reranked", figures["fused"]), figures["plain"], figures
    product_p95 = figures["reranked_p95_s"] if "reranked" in figures else figures["search_p95_s"]
    return (
        f"RESULT collection={name} questions={figures['questions']} "
        f"recall_at_5={r['recall_at_5'][0]:.3f} mrr={r['mrr'][0]:.3f} "
        f"plain_recall_at_5={p['recall_at_5'][0]:.3f} plain_mrr={p['mrr'][0]:.3f} "
        f"fused_recall_at_5={legs['fused']['recall_at_5'][0]:.3f} fused_mrr={legs['fused']['mrr'][0]:.3f} "
        f"vector_recall_at_5={legs['vector']['recall_at_5'][0]:.3f} "
        f"vector_mrr={legs['vector']['mrr'][0]:.3f} keyword_mrr={legs['keyword']['mrr'][0]:.3f} "
        f"reranked={int(figures['reranked_all'])} "
        f"search_p95_s={product_p95:.2f} fused_search_p95_s={figures['search_p95_s']:.2f}"
    )


def table(name: str, figures: dict[str, Any]) -> list[str]:
    """The collection's table: each ranking's metrics with their 95 % intervals."""
    rows = [f"{name}, {figures['questions']} held-out questions (mean [95 % bootstrap interval]):"]
    for ranking in (
        "vector",
        "keyword",
        "rrf",
        "fused",
        "reranked",
        "plain",
        "wordllama_fused",
        "wordllama_plain",
    ):
        if ranking not in figures:
            continue
        cells = "  ".join(
            f"{metric} {m:.3f} [{lo:.3f}, {hi:.3f}]" for metric, (m, lo, hi) in figures[ranking].items()
        )
        rows.append(f"  {ranking:16} {cells}")
    for (ranking, floor), diffs in figures.get("paired", {}).items():
        cells = "  ".join(
            f"{metric} {m:+.3f} [{lo:+.3f}, {hi:+.3f}]" for metric, (m, lo, hi) in diffs.items()
        )
        rows.append(f"  {ranking} - {floor}, paired: {cells}")
    rows.append(
        f"  search p50/p95: {figures['search_p50_s']:.2f}/{figures['search_p95_s']:.2f} s fused, "
        f"{figures['reranked_p50_s']:.2f}/{figures['reranked_p95_s']:.2f} s reranked"
    )
    return rows
