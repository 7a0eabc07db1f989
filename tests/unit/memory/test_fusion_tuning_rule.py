"""Decision 0135's choice rule for the fusion (tests/perf/rag/rag_tuning.py): each tuning collection
weighs equally, whatever its number of questions, and only a cell that keeps the exact-match gate
can be chosen."""

from tests.perf.rag.rag_tuning import choose, union


def grid(**mrr: float) -> dict[tuple[float, float, float], dict[str, tuple[float, float, float]]]:
    cells = {"gated": (0.9, 0.8, 0.0), "other": (0.7, 0.8, 0.0), "ungated": (0.9, 2.0, 0.0)}
    return {cells[name]: {"mrr": (value, 0.0, 1.0)} for name, value in mrr.items()}


def test_each_collection_weighs_equally_in_the_union() -> None:
    merged = union({"code": grid(gated=0.9, other=0.5), "prose": grid(gated=0.5, other=0.8)})
    assert merged[(0.9, 0.8, 0.0)]["mrr"] == 0.7
    assert merged[(0.7, 0.8, 0.0)]["mrr"] == 0.65
    assert choose(merged) == (0.9, 0.8, 0.0)


def test_a_cell_without_the_gate_is_never_chosen_however_high() -> None:
    merged = union({"code": grid(gated=0.6, ungated=0.99), "prose": grid(gated=0.6, ungated=0.99)})
    assert choose(merged) == (0.9, 0.8, 0.0)
