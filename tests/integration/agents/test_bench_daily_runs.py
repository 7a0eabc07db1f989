"""``make bench-daily`` still runs and holds its goals: 300 tenants instead of 10,000 (the figures
are the benchmark's; here that every tenant gets one day-plan task, a repeat enqueues none, and each costs
about one Firestore read)."""

import re

import pytest

from tests.perf import bench_daily

pytestmark = pytest.mark.integration


def test_the_daily_fan_out_bench_plans_every_tenant_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_daily.main(["--tenants", "300"]) == 0
    result = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(r"RESULT tenants=(\d+) fanout_s=([\d.]+) reads_per_tenant=([\d.]+)", result)
    assert match is not None, result
    assert int(match[1]) == 300 and float(match[3]) < 1.05
