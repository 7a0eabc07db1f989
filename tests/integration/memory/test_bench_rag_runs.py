"""``make bench-rag`` still runs and holds the goals that need no full collection: on its first 60
documents, an edit is found again, an unchanged workspace embeds and reads nothing, and no query
sees another tenant's passages or passes its reach; 60 sandbox rows indexed at the share's pace."""

from typing import Any

import pytest

from tests.perf.rag import bench_rag

pytestmark = pytest.mark.integration


def test_the_rag_bench_runs_and_holds_freshness_reindexing_and_isolation(firestore_emulator: Any) -> None:
    firestore_emulator.reset()
    figures = bench_rag.run(firestore_emulator.client(), queries=60, edits=3, limit=60, quality=False)
    met = bench_rag.goals(figures)
    assert figures["documents"] == 60 and figures["queries"] == 60 and figures["questions"] >= 3
    for goal in (
        "an unchanged workspace",
        "no result of another tenant",
        "no result beyond a reach",
        "an edit",
    ):
        assert next(ok for name, ok in met.items() if name.startswith(goal)), goal
    assert figures["unchanged_embeds"] == 0 and figures["cross_tenant_hits"] == 0


def test_the_rag_bench_indexes_a_data_source_at_the_share_with_constant_firestore_operations(
    firestore_emulator: Any,
) -> None:
    from local.notion_sandbox import SandboxServer
    from tests.perf.rag import rag_scale
    from tests.perf.rag.rag_collection import documents

    firestore_emulator.reset()
    share = rag_scale.Share.product()._replace(rate_per_s=6.0)  # the product's burst, a quicker rate
    with SandboxServer() as sandbox:
        scale = rag_scale.run(firestore_emulator.client(), sandbox, documents(), 60, 20, share)
    assert scale["large"]["pages"] >= 60 and scale["small"]["pages"] >= 20
    assert scale["large"]["refused"] == 0  # paced: the sandbox's limit never refuses one
    # one query page per 100 rows and one children list per row: nothing retrieved twice
    assert scale["large"]["requests_ok"] <= scale["large"]["pages"] + 2
    figures = {"scale": scale}
    met = bench_rag.scale_goals(figures["scale"])
    assert all(met.values()), (met, scale)
