"""``make bench-coldstart``'s cold request still measures real work: plan plans a run (the data source
queried in the Notion sandbox, the model stand-in asked) and execute-step runs its first step, each
against a floor doing the same; two rounds, figures not judged (the benchmark judges them)."""

import tempfile
from pathlib import Path

import pytest

from tests.perf.backends import Backends
from tests.perf.bench_coldstart import stage
from tests.perf.cold_request import measure

pytestmark = pytest.mark.integration


def test_plan_and_execute_step_do_their_work_cold() -> None:
    with tempfile.TemporaryDirectory(prefix="cold-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        stage(source)
        backends = Backends(Path(tmp))
        try:
            backends.start()
            assert backends.model is not None
            for target in ("plan", "execute_step"):
                row = measure(backends, source, target, rounds=2)  # raises if the work was not done
                assert row.target_s > 0 and row.floor_s > 0
            # plan's target and floor asked the model in each of 3 runs (the warm-up's included), and
            # execute-step's runs were planned by it (4 more runs)
            assert backends.model.calls == 3 + 3 + 6
        finally:
            backends.stop()
