"""``make bench-rag``'s embedding cache (``--embedding-cache``): a vector kept by one run is read by
the next, and a line two runs appended at once is skipped (the text is embedded again)."""

from pathlib import Path

from tests.perf.rag.rag_cache import VectorCache


def test_a_vector_kept_by_one_run_is_read_by_the_next(tmp_path: Path) -> None:
    VectorCache(tmp_path, "m").put({"alpha": [0.5, 0.25], "beta": [1.0, 0.0]})
    with (tmp_path / "m.jsonl").open("a", encoding="utf-8") as out:
        out.write('{"key": "torn\n')  # two runs' appends interleaved
    again = VectorCache(tmp_path, "m")
    assert again.get("alpha") == [0.5, 0.25] and again.get("beta") == [1.0, 0.0]
    assert again.get("gamma") is None and VectorCache(tmp_path, "other").get("alpha") is None
