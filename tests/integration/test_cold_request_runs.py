"""``make bench-coldstart``'s cold request still measures real work: plan plans a run (the data source
queried in the Notion sandbox, the model stand-in asked), execute-step runs its first step, deploy
creates an approved run's Vercel preview and notify comments on a page, each against a floor doing
the same; notion-webhook's floor routes the workspace to its active tenant (a 404 otherwise), and it and api's
floor answer with the secrets they read from the secrets file;
one batch of two rounds (the first also with a floor that loads pydantic first), figures not judged
(the benchmark judges them)."""

import tempfile
from pathlib import Path

import httpx
import pytest

from tests.perf.backends import NOTION_TOKEN, PAGE, Backends
from tests.perf.bench_coldstart import client_libraries, stage
from tests.perf.cold_request import measure

pytestmark = pytest.mark.integration


def test_plan_execute_step_deploy_and_notify_do_their_work_cold() -> None:
    with tempfile.TemporaryDirectory(prefix="cold-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        stage(source)
        backends = Backends(Path(tmp))
        try:
            backends.start()
            assert backends.model is not None
            for target in ("notion_webhook", "api", "plan", "execute_step", "deploy", "notify"):
                # one batch whatever its interval says; raises if the work was not done
                libraries = client_libraries(target)
                row = measure(backends, source, target, libraries, rounds=2, goal=1.2, looks=1)
                assert row.target_s > 0 and row.floor_s > 0
                # CPU is read per run: a process group on 2 cores uses at most twice its wall time
                assert 0 < row.target_cpu_s <= 2 * row.target_s and 0 < row.floor_cpu_s <= 2 * row.floor_s
                assert row.pydantic_ratio > 0
            # plan's target and floor asked the model in each of 3 runs (the warm-up's included), its
            # floor with pydantic in 1; execute-step's and deploy's runs were planned by it (7 each)
            assert backends.model.calls == 3 + 3 + 1 + 7 + 7
            deployments = httpx.get(f"{backends.code}/_sandbox/vercel/deployments").json()
            assert len(deployments) == 3 + 3 + 1  # each of deploy's runs and its floors' deployed once
            headers = {"Authorization": f"Bearer {NOTION_TOKEN}", "Notion-Version": "2025-09-03"}
            listed = httpx.get(f"{backends.notion}/v1/comments", params={"block_id": PAGE}, headers=headers)
            notices = [c for c in listed.json()["results"] if "A cold notice" in str(c["rich_text"])]
            assert len(notices) == 3 + 3 + 1  # each of notify's runs and its floors' commented once
        finally:
            backends.stop()
