"""An end-to-end check of ``make bench-coldstart``: its cold request still measures real work on both of its sides: plan plans
a run (the data source queried in the Notion sandbox, the model stand-in asked), execute-step runs its
first step, deploy creates an approved run's Vercel preview and notify comments on a page, on each
side with runs that side's plan prepared; notion-webhook and api answer their first request. Both
sides here are this tree (the baseline's tree and venv are the benchmark's to build); one batch of
two rounds, figures not judged (the benchmark judges them)."""

import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.perf.backends import NOTION_TOKEN, PAGE, Backends
from tests.perf.coldstart.bench_coldstart import stage
from tests.perf.coldstart.cold_request import COLD_TARGETS, Side, measure

pytestmark = pytest.mark.e2e


def test_every_cold_target_does_its_work_on_both_sides() -> None:
    with tempfile.TemporaryDirectory(prefix="cold-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        stage(source)
        current, baseline = Side("current", source, sys.executable), Side("baseline", source, sys.executable)
        backends = Backends(Path(tmp))
        try:
            backends.start()
            assert backends.model is not None
            for target in COLD_TARGETS:
                # one batch whatever its interval says; raises if the work was not done
                row = measure(backends, current, baseline, target, rounds=2, looks=1)
                assert row.current_s > 0 and row.baseline_s > 0 and row.ratio.n == 2
                assert row.current_max_s >= row.current_s
                # CPU is read per run: a process group on 2 cores uses at most twice its wall time
                assert 0 < row.current_cpu_s <= 2 * row.current_max_s and row.baseline_cpu_s > 0
            # plan asked the model in each of its 3 runs per side (the warm-up's included), and so did
            # the plan that prepared each of execute-step's and deploy's 3 runs per side
            assert backends.model.calls == 2 * 3 + 2 * 3 + 2 * 3
            deployments = httpx.get(f"{backends.code}/_sandbox/vercel/deployments").json()
            assert len(deployments) == 2 * 3  # each of deploy's runs deployed once
            headers = {"Authorization": f"Bearer {NOTION_TOKEN}", "Notion-Version": "2025-09-03"}
            listed = httpx.get(f"{backends.notion}/v1/comments", params={"block_id": PAGE}, headers=headers)
            notices = [c for c in listed.json()["results"] if "A cold notice" in str(c["rich_text"])]
            assert len(notices) == 2 * 3  # each of notify's runs commented once
        finally:
            backends.stop()
