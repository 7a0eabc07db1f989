"""``make bench-engine`` still runs: its long run, shortened, against the emulator and the sandbox.
The figures are the benchmark's; here that it counts every billed Firestore operation of a step: the
run's log (4, the same for every step), a model call's budget counters (6), the spend cap's counter
once a chunk, and nothing left out."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from tests.perf.engine import bench_engine

pytestmark = pytest.mark.integration


def test_the_engine_bench_runs_its_plans_to_the_end(firestore_emulator: Any, monkeypatch: Any) -> None:
    for name, value in {"STEPS": 16, "LATE": 7, "PAIRS": 3, "PROMPT_STEPS": (4, 12)}.items():
        monkeypatch.setattr(bench_engine, name, value)
    firestore_emulator.reset()
    with SandboxServer() as sandbox:
        result = bench_engine.run(firestore_emulator.host, sandbox)
    steps = result["steps"]
    # A step reads the run document alone (decision 0061: the log past it only when a write collides),
    # then writes two events and the document: an intent and a result, or a model call's usage and a
    # result. The daily cap's counter is written once a chunk of it (1 % of the cap), not per call:
    # the warm-up's first model call reserved it, and the offline model's calls do not spend it.
    assert {s.of("run log") for s in steps} == {4}
    assert sum(s.of("spend cap") for s in steps) <= 1
    kinds = ("run log", "spend cap", "spend budgets", "tenant", "spend sums")
    assert all(s.ops == sum(s.of(k) for k in kinds) for s in steps)
    # A model call reserves on its run's, day's and month's counters in one batch and settles them in
    # another (decision 0084): 6 writes in the step that makes it (a draft), none in the others.
    assert {s.of("spend budgets") for s in steps} == {0, bench_engine.GOAL_BUDGET_OPS}
    # A cache of 60 s that runs out (a slow machine's run outlasts one) adds its reads to one step;
    # a step's own ops leave them out (decision 0067) and are 4, but where a chunk of the cap is reserved.
    assert all(s.own == 4 for s in steps if not s.of("spend cap"))
    if not any(s.of("spend cap") for s in steps):
        assert result["ops"] == 4 and result["constant"]
        assert not any(g.startswith("ops_per_step") for g in bench_engine.missed_goals(result))
    most = bench_engine.GOAL_OPS + bench_engine.GOAL_BUDGET_OPS + bench_engine.GOAL_REFRESH_OPS
    assert result["ops_max"] <= most
    assert result["prompt"] > 0
