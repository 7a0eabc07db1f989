"""``make bench-rag``'s quality goals: a paired difference's interval (two rankings of the same
questions resampled together) and the goal it asserts, that the product's ranking is not below a
floor beyond chance, beside the goals on the means."""

from typing import Any

from tests.perf.rag import bench_rag, rag_quality

JUDGED = [(f"q{n}", frozenset({f"d{n}"})) for n in range(40)]


def _first(n: int) -> list[str]:
    return [f"d{n}", "x", "y"]


def _second(n: int) -> list[str]:
    return ["x", f"d{n}", "y"]


def test_a_ranking_better_on_every_question_has_a_paired_interval_above_zero() -> None:
    better = rag_quality.paired(lambda q: _first(int(q[1:])), lambda q: _second(int(q[1:])), JUDGED)
    assert better["mrr"] == (0.5, 0.5, 0.5) and better["recall_at_5"] == (0.0, 0.0, 0.0)
    mixed = rag_quality.paired(  # better on half the questions, worse on the other half
        lambda q: _first(int(q[1:])) if int(q[1:]) % 2 else _second(int(q[1:])),
        lambda q: _second(int(q[1:])) if int(q[1:]) % 2 else _first(int(q[1:])),
        JUDGED,
    )
    mean, low, high = mixed["mrr"]
    assert mean == 0.0 and low < 0 < high


def _collection(mrr: float, paired_high: float) -> dict[str, Any]:
    ranking = {"recall_at_5": (0.9, 0.8, 1.0), "mrr": (mrr, mrr - 0.1, mrr + 0.1)}
    floor = {"recall_at_5": (0.9, 0.8, 1.0), "mrr": (0.8, 0.7, 0.9)}
    diffs = {"recall_at_5": (0.0, 0.0, 0.0), "mrr": (mrr - 0.8, paired_high - 0.1, paired_high)}
    return {
        "fused": ranking, "reranked": ranking, "vector": floor, "plain": floor,
        "keyword": {"mrr": (0.5, 0.4, 0.6)},
        "paired": {(r, f): diffs for r in ("fused", "reranked") for f in ("vector", "plain")},
        "reranked_all": True, "search_p95_s": 0.3, "reranked_p95_s": 0.4,
    }  # fmt: skip


def test_a_ranking_below_a_floor_within_chance_misses_the_mean_goal_and_meets_the_paired_one() -> None:
    met = bench_rag.quality_goals({"collections": {"c": _collection(0.78, 0.03)}})
    assert not met["c: fused at least the vector leg and plain (recall@5 and MRR, held out)"]
    paired = [ok for goal, ok in met.items() if "beyond chance" in goal]
    assert len(paired) == 4 and all(paired)
    below = bench_rag.quality_goals({"collections": {"c": _collection(0.70, -0.01)}})
    assert not any(ok for goal, ok in below.items() if "beyond chance" in goal)
