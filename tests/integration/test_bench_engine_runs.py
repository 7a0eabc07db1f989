"""``make bench-engine`` still runs: its long run, shortened, against the emulator and the sandbox.
The figures are the benchmark's; here only that every step ran at a constant cost in Firestore ops."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from tests.perf import bench_engine

pytestmark = pytest.mark.integration


def test_the_engine_bench_runs_its_plans_to_the_end(firestore_emulator: Any, monkeypatch: Any) -> None:
    for name, value in {"STEPS": 16, "LATE": 7, "PAIRS": 3, "PROMPT_STEPS": (4, 12)}.items():
        monkeypatch.setattr(bench_engine, name, value)
    firestore_emulator.reset()
    with SandboxServer() as sandbox:
        result = bench_engine.run(firestore_emulator.host, sandbox)
    assert result["constant"] and result["ops"] == 4
    assert result["prompt"] > 0
