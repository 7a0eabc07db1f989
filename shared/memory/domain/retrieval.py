"""Ranking for workspace search. Pure: BM25 over keyword candidates, and reciprocal rank fusion of
the vector and keyword rankings: score = Σ w / (k + rank) (Cormack, Clarke and Büttcher, SIGIR 2009),
the standard way to fuse rankings whose scores are not comparable. Our k and weights: docs/memory.md.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence

RRF_K = 5  # the paper's 60 flattens the top ranks; 5 measured better (docs/memory.md, "Search")
# BM25's ranking counts a little less than the vector ranking's, yet a passage only BM25 finds first
# (an exact name or code) still lands among the first three.
KEYWORD_WEIGHT = 0.8
BM25_K1, BM25_B = 1.2, 0.75


def bm25(
    query: Sequence[str], docs: dict[str, list[str]], total: int, average_length: float
) -> list[tuple[str, float]]:
    """``docs`` (id → its words) that share a word with ``query``, best first, by Okapi BM25.

    ``docs`` must hold every document with any query word (a keyword query's candidates), so a
    word's document frequency among them is its frequency in the collection of ``total`` documents.
    """
    wanted = set(query)
    df: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    for doc_id, doc_words in docs.items():
        counts[doc_id] = Counter(w for w in doc_words if w in wanted)
        df.update(counts[doc_id].keys())
    total = max(total, len(docs), 1)
    average = average_length or 1.0
    scored = []
    for doc_id, tf in counts.items():
        length = len(docs[doc_id])
        score = 0.0
        for word in wanted & tf.keys():
            idf = math.log(1 + (total - df[word] + 0.5) / (df[word] + 0.5))
            norm = tf[word] + BM25_K1 * (1 - BM25_B + BM25_B * length / average)
            score += idf * tf[word] * (BM25_K1 + 1) / norm
        if score > 0:
            scored.append((doc_id, score))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def fuse(
    rankings: Iterable[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each id scored Σ w / (k + rank) over the rankings it is in (rank from
    1, ``w`` the ranking's weight, 1 by default), best first; ties keep the order of first appearance."""
    scores: dict[str, float] = {}
    for index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[index]
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
