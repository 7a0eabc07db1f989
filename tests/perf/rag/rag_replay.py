"""Decision 0211's grid, replayed: each tuning question's candidates (the vector leg's 30 and BM25's
first 30, with what search knows of each) are read once from the product's in-memory index, then
fused again for every cell by the product's own ``convex`` and ``diversified`` and reranked by the
shipped learned reranker's score, much faster than searching again per cell. Tuning questions only
(the stdlib's and the Debian FAQ's); never the held-out ones.

    python -m tests.perf.rag.rag_replay --embedding-cache DIR
"""

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from shared.memory.adapters.learned_reranker import _weights, score
from shared.memory.domain import retrieval as r
from shared.memory.domain.passages import passage_words, words
from shared.memory.domain.retrieval import Signals
from shared.memory.services.workspace_search import KEYWORD_CANDIDATES, RERANK_CANDIDATES, VECTOR_CANDIDATES
from shared.platform.domain.embeddings import cosine
from tests.perf.rag import bench_rag, rag_faq
from tests.perf.rag.rag_collection import QUESTIONS, documents, questions
from tests.support.memory.memory import FakePassages

POWERS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
SHARES = (0.6, 0.7, 0.8, 0.9)
WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 100.0)  # the reranker's probability's, beside the fused score


class Candidate(NamedTuple):
    pid: str
    page: str  # the document id
    cos: float
    strength: float
    exact: bool
    held: float
    heading: float
    length: float


class Question(NamedTuple):
    relevant: frozenset[str]
    candidates: list[Candidate]


def read(name: str, docs: Sequence[Any], judged: list[tuple[str, frozenset[str]]]) -> list[Question]:
    """Each of ``judged``'s candidates in ``docs``' index, as ``workspace_search.search`` finds them."""
    store, model = FakePassages(), bench_rag.Counting()
    ws = bench_rag.workspace(docs, name)
    bench_rag.index_all(store, model, {name: ws})
    total, total_words = store.stats(name)
    out = []
    for question, relevant in judged:
        [q] = model.embed([" ".join(question.split())], "query").vectors
        asked = list(dict.fromkeys(words(question)))
        near = store.nearest(name, q, VECTOR_CANDIDATES)
        hits = store.keyword(name, asked, KEYWORD_CANDIDATES)
        docs_words = {p.passage_id: passage_words(p.heading, p.text) for p in hits}
        ranked = r.bm25(asked, docs_words, total, total_words / total)
        strength = r.keyword_strength(asked, ranked[:VECTOR_CANDIDATES], docs_words, total)
        by_id = {p.passage_id: p for p in [*near, *hits]}
        exact = r.exact_matches(asked, docs_words, total, r.EXACT_MATCH)
        weights = r.query_weights(asked, docs_words, total)
        found = [
            Candidate(
                pid,
                ws.doc_of[p.page_id],
                cosine(q, p.vector),
                strength.get(pid, 0.0),
                pid in exact,
                r.held(weights, passage_words(p.heading, p.text)),
                r.held(weights, words(p.heading)),
                math.log1p(len(passage_words(p.heading, p.text))),
            )
            for pid in sorted({p.passage_id for p in near} | strength.keys())
            for p in [by_id[pid]]
        ]
        out.append(Question(relevant, found))
    return out


def orders(
    q: Question, share: float, power: float, rerank: Callable[[Signals], float]
) -> dict[str, list[str]]:
    """The vector leg's, the fusion's and the reranked page order of ``q``, as search makes them."""
    by = {c.pid: c for c in q.candidates}
    page_of = {c.pid: c.page for c in q.candidates}
    cos = {c.pid: c.cos for c in q.candidates}
    kw = {c.pid: c.strength for c in q.candidates}
    exact = {c.pid for c in q.candidates if c.exact}
    fused = r.diversified(r.convex(cos, kw, share, exact, power), page_of)
    scaled = r.minmax(cos)
    head = fused[:RERANK_CANDIDATES]
    got = [
        rerank(
            Signals(
                c.cos, scaled[pid], c.strength, float(c.exact), c.held, c.heading, s, 1 / (1 + n), c.length
            )
        )
        for n, (pid, s) in enumerate(head)
        for c in [by[pid]]
    ]
    order = sorted(range(len(head)), key=lambda i: (-got[i], i))
    reranked = r.diversified([(head[i][0], got[i]) for i in order] + fused[RERANK_CANDIDATES:], page_of)
    vector = r.diversified(r.convex(cos, kw, 1.0, frozenset()), page_of)

    def pages(ranked: list[tuple[str, float]]) -> list[str]:
        return list(dict.fromkeys(page_of[p] for p, _ in ranked[: 3 * bench_rag.K]))[: bench_rag.K]

    return {"vector": pages(vector), "fused": pages(fused), "reranked": pages(reranked)}


def figures(rows: Sequence[Question], share: float, power: float, weight: float) -> dict[str, float]:
    """Mean recall@5 and MRR of each ranking over ``rows``."""
    model = _weights()

    def rerank(s: Signals) -> float:
        return s.fused + weight / (1 + math.exp(-score(model, s)))

    sums: dict[str, float] = {}
    for q in rows:
        for name, ranked in orders(q, share, power, rerank).items():
            first = next((1 / (i + 1) for i, d in enumerate(ranked) if d in q.relevant), 0.0)
            sums[f"{name} r5"] = sums.get(f"{name} r5", 0.0) + len(set(ranked[:5]) & q.relevant) / len(
                q.relevant
            )
            sums[f"{name} mrr"] = sums.get(f"{name} mrr", 0.0) + first
    return {k: v / len(rows) for k, v in sums.items()}


def holds(f: dict[str, float]) -> bool:
    """Fused and reranked at least the vector leg in recall@5 and MRR (docs/benchmarks.md, `make bench-rag`)."""
    return all(f[f"{k} {m}"] >= f[f"vector {m}"] for k in ("fused", "reranked") for m in ("r5", "mrr"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--embedding-cache", type=Path, help="the bench's vector cache folder")
    args = parser.parse_args()
    bench_rag.CACHE[:] = [args.embedding_cache] if args.embedding_cache else []
    sets = {
        "stdlib": read("stdlib", documents(), questions(QUESTIONS)),
        "faq": read("faq", rag_faq.documents(), questions(rag_faq.QUESTIONS)),
    }
    cells = [(s, p, 0.5) for p in POWERS for s in SHARES] + [(0.8, 3.0, w) for w in WEIGHTS]
    for share, power, weight in cells:
        got = {name: figures(rows, share, power, weight) for name, rows in sets.items()}
        cells_text = "; ".join(
            f"{n} " + " ".join(f"{k} {v:.3f}" for k, v in sorted(f.items())) for n, f in got.items()
        )
        ok = all(holds(f) for f in got.values())
        print(f"share {share:g} power {power:g} weight {weight:g} holds {ok}: {cells_text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
