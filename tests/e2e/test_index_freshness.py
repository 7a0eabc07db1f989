"""An edit of a chosen row reaches the workspace index through the whole local stack: the sandbox's
signed webhook, notion-webhook's index task due at its coalescing window's end, the Cloud Tasks
emulator, plan's index task; a search then finds the new text within the bound bench-rag asserts."""

import pytest

from tests.perf.rag import bench_rag, rag_freshness

pytestmark = pytest.mark.e2e


def test_an_edit_is_found_by_a_search_within_its_window_and_the_bound() -> None:
    fresh = rag_freshness.run(edits=3, spread_s=4.0, window_s=2.0, timeout_s=60.0)
    assert fresh["found"] == fresh["edits"] == 3, fresh
    assert fresh["freshness_p95_s"] <= rag_freshness.goal_s(2.0), fresh
    assert all(bench_rag.fresh_goals(fresh).values()), fresh
    # none sooner than the task's due time: the window's end and a second after it (the path is timed)
    assert fresh["freshness_min_s"] >= 1.0, fresh
