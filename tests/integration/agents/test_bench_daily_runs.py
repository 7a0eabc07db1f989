"""``make bench-daily`` still runs and holds its counts: 300 tenants instead of 10,000, two routines
each, two pairs (the figures are the benchmark's; here that every tenant gets one day-plan task and
every routine due one plan task, a repeat enqueues none, each tenant costs about one billed Firestore
read and the routines none). The ratio's goal is for 10,000 tenants: at 300 a page's fixed costs
weigh more, so it is parsed, not judged."""

import re

import pytest

from tests.perf.engine import bench_daily

pytestmark = pytest.mark.integration
RESULT = (
    r"RESULT tenants=(\d+) fanout_ratio=([\d.]+) fanout_ratio_ci=([\d.]+)-([\d.]+) "
    r"billed_reads_per_tenant=([\d.]+) routines_due_reads=(\d+) fanout_s=([\d.]+) routines=(\d+) routines_due=(\d+)"
)


def test_the_daily_fan_out_bench_plans_every_tenant_and_routine_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench_daily.main(["--tenants", "300", "--routines", "2", "--pairs", "2"])
    out = capsys.readouterr().out.strip().splitlines()
    match = re.fullmatch(RESULT, out[-1])
    assert match is not None, out[-1]
    assert int(match[1]) == 300 and float(match[5]) < bench_daily.GOAL_READS_PER_TENANT
    assert int(match[6]) == 0 and int(match[8]) == 2 and int(match[9]) == 25  # 600 routines, a 24th due
    assert float(match[3]) <= float(match[2]) <= float(match[4])
    goals = next(line for line in out if line.startswith("goals:"))
    assert "every tenant planned once: met" in goals and "billed_reads_per_tenant <= 1.05: met" in goals
