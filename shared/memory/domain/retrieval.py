"""Ranking for workspace search. Pure: BM25 over keyword candidates, and the score-aware fusion search
uses (decision 0098): the vector leg's min-max normalised cosine combined with the keyword leg's
*strength* (BM25 over the query's ideal BM25: how much of its rare-word information a passage holds).
The strength counts cubed, so a weak partial keyword match defers to the vector leg (decision 0211). A
passage matching the query's rare words exactly (``exact_matches``) keeps its vector part whole; a
query of common words has no exact match, and a tie goes to the higher cosine (decision 0152).
Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) is kept for ``make bench-rag``.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import NamedTuple

RRF_K = 5  # the paper's 60 flattens the top ranks; 5 measured better (docs/memory.md, "Search")
# BM25's ranking counts a little less than the vector ranking's, yet a passage only BM25 finds first
# (an exact name or code) still lands among the first three.
KEYWORD_WEIGHT = 0.8
BM25_K1, BM25_B = 1.2, 0.75


# The vector leg's share of the convex fusion, chosen on the tuning questions (decisions 0098, 0134, 0135,
# 0211).
VECTOR_SHARE = 0.8
# The keyword leg counts a passage's strength raised to this power (decision 0211). A passage holding
# most of the query's information keeps most of its part (0.9 -> 0.73), a partial match of common
# words little (0.5 -> 0.125), so an uninformative keyword leg defers to the vector leg.
KEYWORD_POWER = 3.0
# The share of the query's information (idf) from which a passage holding all of its rare words counts
# as an exact match of them (decision 0135; measured on what the passage holds since 0152).
EXACT_MATCH = 0.9
# A word is rare when its idf is at least this share of a word held by one passage's (decision 0152):
# held by at most about 30 of 600 passages, 120 of 10,000.
RARE_IDF = 0.5
# The share of a page's best other passage added to each of its passages (0: a page is its best).
PAGE_SHARE = 0.0
# A page's passages a result list holds before every other page's have had their turn (decision 0152).
PAGE_PASSAGES = 2


def idf(df: int, total: int) -> float:
    """BM25's inverse document frequency of a word in ``df`` of ``total`` documents."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


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
            norm = tf[word] + BM25_K1 * (1 - BM25_B + BM25_B * length / average)
            score += idf(df[word], total) * tf[word] * (BM25_K1 + 1) / norm
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


def keyword_strength(
    query: Sequence[str], scored: Sequence[tuple[str, float]], docs: dict[str, list[str]], total: int
) -> dict[str, float]:
    """Each of ``scored`` (BM25's ids and scores for ``query`` over ``docs``) as a share of the query's
    ideal BM25, Σ idf over its distinct words (each once, in a passage of average length), capped at 1.
    A word no candidate holds counts at the rarest idf: the query asked for it and the leg has nothing."""
    wanted = set(query)
    df: Counter[str] = Counter()
    for doc_words in docs.values():
        df.update(wanted & set(doc_words))
    total = max(total, len(docs), 1)
    ideal = sum(idf(df[w], total) for w in wanted)
    if ideal <= 0:
        return {}
    return {doc_id: min(1.0, score / ideal) for doc_id, score in scored}


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """``scores`` scaled to [0, 1] (all 1 when they are equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {k: (v - low) / span if span > 0 else 1.0 for k, v in scores.items()}


def query_weights(query: Sequence[str], docs: dict[str, list[str]], total: int) -> dict[str, float]:
    """Each distinct word of ``query``'s idf among ``docs`` (a keyword query's candidates, id → its
    words) in a collection of ``total``: a word no candidate holds gets the rarest idf."""
    wanted = set(query)
    df: Counter[str] = Counter()
    for doc_words in docs.values():
        df.update(wanted & set(doc_words))
    total = max(total, len(docs), 1)
    return {w: idf(df[w], total) for w in wanted}


def held(weights: dict[str, float], doc_words: Iterable[str]) -> float:
    """The share of the query's information (``weights``, from ``query_weights``) ``doc_words`` hold."""
    everything = sum(weights.values())
    return sum(weights[w] for w in weights.keys() & set(doc_words)) / everything if everything > 0 else 0.0


def exact_matches(
    query: Sequence[str], docs: dict[str, list[str]], total: int, gate: float = EXACT_MATCH
) -> set[str]:
    """The ids of ``docs`` (a keyword query's candidates for ``query``, id → its words) that match the
    query's rare words exactly: each holds every rare word of the query and at least ``gate`` of its
    information (``held``), whatever its length. A word is rare when its idf is at least ``RARE_IDF``
    of a word held by one passage's; a word no candidate holds is rare too (so nothing matches it).
    None when the query has no rare word: passages holding only common words are not exact matches,
    however many of them they hold."""
    weights = query_weights(query, docs, total)
    rare = {w for w, v in weights.items() if v >= RARE_IDF * idf(1, max(total, len(docs), 1))}
    if not rare:
        return set()
    return {
        doc_id
        for doc_id, doc_words in docs.items()
        if rare <= set(doc_words) and held(weights, doc_words) >= gate
    }


class Signals(NamedTuple):
    """What search knows of a candidate passage, read by a reranker that learns from it (decision 0153)."""

    cosine: float  # with the query
    scaled: float  # the cosine min-max scaled over the candidates
    strength: float  # the keyword leg's (``keyword_strength``)
    exact: float  # 1 for an exact match of the query's rare words, else 0
    held: float  # the share of the query's information the passage holds (``held``)
    heading: float  # the share its heading path (page title and sections) holds
    fused: float  # the fusion's score
    rank: float  # 1 / (1 + its place in the fused order)
    length: float  # log(1 + its words)


type RerankPassages = list[tuple[str, str]]  # a reranker's candidate passages, each (title, text)
type MaybeSignals = list[Signals] | None  # what search knows of each candidate, when it says


def convex(
    vector: dict[str, float],
    keyword: dict[str, float],
    share: float = VECTOR_SHARE,
    exact: AbstractSet[str] = frozenset(),
    power: float = KEYWORD_POWER,
) -> list[tuple[str, float]]:
    """Score-aware fusion: ``share`` x min-max(``vector``) + (1 - ``share``) x ``keyword`` ** ``power``
    (strengths in [0, 1], from ``keyword_strength``), over every id either holds (a missing one counts
    0). A strong keyword match counts nearly whole, a weak partial one little (decision 0211). A passage
    of ``exact`` (an exact match of the query's rare words, from ``exact_matches``: a name or code) has
    its vector part counted whole, so the vector leg cannot veto it. Best first; a tie goes to the
    higher cosine (``vector``), then the id."""
    cos = minmax(vector)
    fused = {
        k: share * (1.0 if k in exact else cos.get(k, 0.0)) + (1 - share) * keyword.get(k, 0.0) ** power
        for k in vector.keys() | keyword.keys()
    }
    return sorted(fused.items(), key=lambda pair: (-pair[1], -vector.get(pair[0], -2.0), pair[0]))


def with_page_evidence(
    fused: Sequence[tuple[str, float]], page_of: dict[str, str], share: float = PAGE_SHARE
) -> list[tuple[str, float]]:
    """``fused`` (passage ids and scores, best first) with each score raised by ``share`` x the best
    score of another passage of its page (``page_of``: passage id → page) among them. So a page ranks
    by its best passage plus a share of its second best. Best first, ties by id; unchanged at 0."""
    if share <= 0:
        return list(fused)
    tops: dict[str, list[tuple[str, float]]] = {}
    for pid, score in sorted(fused, key=lambda pair: (-pair[1], pair[0])):
        top = tops.setdefault(page_of[pid], [])
        if len(top) < 2:
            top.append((pid, score))

    def other(pid: str) -> float:
        top = tops[page_of[pid]]
        rest = [score for p, score in top if p != pid]
        return rest[0] if rest else 0.0

    raised = {pid: score + share * other(pid) for pid, score in fused}
    return sorted(raised.items(), key=lambda pair: (-pair[1], pair[0]))


def diversified(
    ranked: Sequence[tuple[str, float]], page_of: dict[str, str], per_page: int = PAGE_PASSAGES
) -> list[tuple[str, float]]:
    """``ranked`` (passage ids and scores, best first) with each page's passages past its first
    ``per_page`` moved after every other passage, in their order: a page of many sections cannot fill
    a short list while other pages have candidates. Unchanged when ``per_page`` is 0 or less."""
    if per_page <= 0:
        return list(ranked)
    seen: Counter[str] = Counter()
    first: list[tuple[str, float]] = []
    later: list[tuple[str, float]] = []
    for pid, score in ranked:
        seen[page_of[pid]] += 1
        (first if seen[page_of[pid]] <= per_page else later).append((pid, score))
    return first + later
