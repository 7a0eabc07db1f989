"""``make bench-sync``'s one line (tests/perf/sync/bench_sync.py): its form over every tool and the
model-fallback part, and a figure off its goal is a miss (the bench exits 1 on any); the fallback part's
schedule mixes every failure, at the plan and mid-run, by the seed."""

from tests.perf.sync.bench_fallback import FAILURES, WHERE, FallbackFigures, schedule
from tests.perf.sync.bench_sync import line, missed, summary

GOOD = {"converged": 1, "lost": 0, "duplicates": 0, "echo_writes": 0, "schema_errors": 0, "mirror_p95_s": 8.4}


def test_the_line_is_the_issues_form_over_the_tools_and_the_fallback_runs() -> None:
    total = summary([GOOD, GOOD | {"mirror_p95_s": 12.25}], FallbackFigures(completed=12))
    assert line(total) == (
        "converged=1 lost=0 duplicates=0 echo_writes=0 schema_errors=0 mirror_p95_s=12.2 "
        "fallback_runs_completed=12 fallback_runs_failed=0"
    )
    assert missed(total) == []


def test_one_tool_off_or_one_failed_fallback_run_is_a_miss() -> None:
    off = summary([GOOD, GOOD | {"converged": 0, "lost": 2}], FallbackFigures(completed=12))
    assert missed(off) == ["converged=0", "lost=2"]
    failed = summary([GOOD], FallbackFigures(completed=11, failed=1))
    assert missed(failed) == ["fallback_runs_failed=1"]
    assert missed(summary([GOOD], FallbackFigures())) == []  # the runs completed are held by the part


def test_the_schedule_covers_every_failure_at_the_plan_and_mid_run_in_the_seeds_order() -> None:
    every = {(where, how) for where in WHERE for how in FAILURES}
    assert set(schedule(len(every), 69)) == every
    assert schedule(12, 69) == schedule(12, 69) != schedule(12, 70)
    assert len(schedule(3, 69)) == 3
