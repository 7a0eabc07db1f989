"""The benchmarks' shared statistics (tests/perf/stats.py): paired ratios, the median's bootstrap
interval, the verdict against a goal and the exit status it gives (the cold-start guard's too); their CPU time read from /proc (tests/perf/procstat.py); the
webhook bench's search of a handler's knee."""

import random
import statistics
import subprocess
from pathlib import Path

import pytest

from tests.perf.coldstart.bench_coldstart import BASELINE_DECISION, default_baseline, report
from tests.perf.coldstart.cold_request import ColdRow
from tests.perf.procstat import TICK_S, group_cpu_s, group_maps, parse_stat
from tests.perf.stats import (
    Estimate,
    exit_status,
    look_confidence,
    median_ci,
    paired_estimate,
    paired_ratio,
    ratios,
    under,
    until_conclusive,
    verdict,
    verdict_of_all,
)
from tests.perf.webhook.bench_webhook import next_rate


def test_a_paired_ratio_is_the_median_of_the_pairs_ratios() -> None:
    # Round i of the target over round i of its floor: a drift of the machine's speed that slows both
    # runs of a round cancels. Three rounds at 1.10, 1.30 and 1.20 → 1.20, whatever the drift.
    assert paired_ratio([1.10, 2.60, 0.60], [1.0, 2.0, 0.5]) == pytest.approx(1.20)
    # Not the ratio of the medians (2.6 / 2.0 = 1.30 here).
    assert paired_ratio([1.1, 5.0, 2.6], [1.0, 4.0, 2.0]) == pytest.approx(1.25)


def test_pairs_must_match_and_have_a_positive_denominator() -> None:
    with pytest.raises(ValueError, match="same, non-zero length"):
        ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="same, non-zero length"):
        paired_ratio([], [])
    with pytest.raises(ValueError, match="positive"):
        ratios([1.0], [0.0])
    with pytest.raises(ValueError, match="at least one"):
        median_ci([])


def test_the_interval_holds_the_median_and_is_reproducible() -> None:
    values = [1.0, 1.4, 0.9, 1.2, 1.1, 1.3, 0.95, 1.05, 1.15, 1.25]
    estimate = median_ci(values)
    assert estimate.median == statistics.median(values) and estimate.n == 10
    assert min(values) <= estimate.lo <= estimate.median <= estimate.hi <= max(values)
    assert estimate.lo < estimate.hi
    assert median_ci(values) == estimate  # seeded: the same pairs give the same interval
    assert median_ci([2.0] * 7) == Estimate(2.0, 2.0, 2.0, 7)


def test_the_interval_narrows_with_more_pairs_and_covers_the_true_median() -> None:
    # Ratios drawn around a true median of 1.2 (log-normal, as a ratio of two noisy times is).
    rng = random.Random(1)

    def draw(n: int) -> list[float]:
        return [1.2 * rng.lognormvariate(0.0, 0.2) for _ in range(n)]

    few, many = median_ci(draw(10)), median_ci(draw(160))
    assert many.hi - many.lo < (few.hi - few.lo) / 2
    assert many.lo <= 1.2 <= many.hi
    # Coverage: of 200 samples of 21 pairs, about 95 % of the intervals hold 1.2 (not 60 %, not all).
    covered = sum(e.lo <= 1.2 <= e.hi for e in (median_ci(draw(21), resamples=500) for _ in range(200)))
    assert 175 <= covered <= 200


def test_the_paired_estimate_is_the_interval_of_the_ratios() -> None:
    numerators, denominators = [1.1, 2.6, 0.6, 3.9], [1.0, 2.0, 0.5, 3.0]
    assert paired_estimate(numerators, denominators) == median_ci(ratios(numerators, denominators))


def test_the_verdict_is_inconclusive_when_the_interval_straddles_the_goal() -> None:
    assert verdict(Estimate(1.1, 1.0, 1.3, 20), 1.3) == "met"
    assert verdict(Estimate(1.5, 1.31, 1.7, 20), 1.3) == "not met"
    assert verdict(Estimate(1.2, 1.1, 1.35, 20), 1.3) == "inconclusive"
    assert verdict(Estimate(1.4, 1.25, 1.5, 20), 1.3) == "inconclusive"  # a median above is not a verdict


def test_each_of_several_looks_is_stricter_so_that_together_they_err_as_one() -> None:
    assert look_confidence(1) == pytest.approx(0.95)
    assert look_confidence(3) == pytest.approx(1 - 0.05 / 3)
    with pytest.raises(ValueError, match="at least once"):
        look_confidence(0)


def _looks(estimates: list[Estimate], looks: int) -> tuple[Estimate, int]:
    """until_conclusive over estimates given in turn: the last estimate and the batches measured."""
    batches: list[Estimate] = []
    last = until_conclusive(lambda: batches.append(estimates[len(batches)]), lambda: batches[-1], 1.2, looks)
    return last, len(batches)


def test_more_batches_are_measured_only_while_the_interval_straddles_the_goal() -> None:
    met, missed = Estimate(1.1, 1.05, 1.15, 25), Estimate(1.3, 1.25, 1.35, 25)
    straddles = Estimate(1.17, 1.12, 1.22, 25)
    assert _looks([met, straddles], 3) == (met, 1)
    assert _looks([missed, straddles], 3) == (missed, 1)
    assert _looks([straddles, met, missed], 3) == (met, 2)
    assert _looks([straddles, straddles, straddles, met], 3) == (straddles, 3)  # never past the last
    assert _looks([straddles, met], 1) == (straddles, 1)
    with pytest.raises(ValueError, match="at least once"):
        _looks([met], 0)


def _one_bench(rng: random.Random, confidence_looks: int, looks: int) -> str:
    """The verdict of a benchmark whose ratios' true median is the goal itself (log-normal noise of
    the width measured on this machine's cold requests): up to ``looks`` batches of 25 pairs, each
    interval at ``look_confidence(confidence_looks)``."""
    values: list[float] = []
    last = until_conclusive(
        lambda: values.extend(1.2 * rng.lognormvariate(0.0, 0.15) for _ in range(25)),
        lambda: median_ci(values, look_confidence(confidence_looks), resamples=400),
        1.2,
        looks,
    )
    return verdict(last, 1.2)


def _false_mets(confidence_looks: int, looks: int, sims: int = 200) -> int:
    rng = random.Random(7)
    return sum(_one_bench(rng, confidence_looks, looks) == "met" for _ in range(sims))


def test_looking_again_when_inconclusive_does_not_make_a_false_met_likelier() -> None:
    # A "met" is wrong here (the true ratio is the goal). One look at 95 % says it in about 2.5 % of
    # the benchmarks (one tail); three looks at 95 % each would say it more often, three at
    # look_confidence(3) no more often than one look.
    corrected, naive = _false_mets(3, 3), _false_mets(1, 3)
    assert corrected <= 0.04 * 200
    assert corrected < naive


def test_a_goal_for_every_target_is_missed_by_one_and_met_by_all() -> None:
    met, open_, missed = Estimate(1.1, 1.0, 1.15, 9), Estimate(1.2, 1.1, 1.3, 9), Estimate(1.5, 1.4, 1.6, 9)
    assert verdict_of_all([met, met], 1.2) == "met"
    assert verdict_of_all([met, open_], 1.2) == "inconclusive"
    assert verdict_of_all([met, open_, missed], 1.2) == "not met"


def test_a_result_field_carries_the_median_and_its_interval() -> None:
    assert Estimate(1.2345, 1.1, 1.3, 9).fields("p99_ratio") == "p99_ratio=1.234 p99_ratio_ci=1.100-1.300"
    assert Estimate(1.0, 0.9, 1.1, 9).overlaps(Estimate(1.1, 1.05, 1.2, 9))
    assert not Estimate(1.0, 0.9, 1.1, 9).overlaps(Estimate(1.3, 1.2, 1.4, 9))


def test_cpu_time_is_read_past_a_command_name_with_spaces_and_parentheses(tmp_path: Path) -> None:
    # /proc/<pid>/stat: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
    # cmajflt utime stime ...; the name may hold ") (", so fields are counted from its last ')'.
    line = "4242 (python (x) y) S 1 4240 4240 0 -1 4194304 10 0 0 0 250 50 0 0 20 0 3 0 100"
    pgrp, cpu_s = parse_stat(line)
    assert pgrp == 4240 and cpu_s == pytest.approx(300 * TICK_S)
    for pid, pgrp, ticks in ((4240, 4240, 100), (4242, 4240, 50), (4300, 4300, 7), (4400, 99, 1000)):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(
            f"{pid} (gunicorn: w) S 1 {pgrp} {pgrp} 0 -1 0 0 0 0 0 {ticks} {ticks} 0 0 20 0 1 0 1"
        )
    (tmp_path / "self").mkdir()
    assert group_cpu_s({"hook": 4240, "floor": 4300}, tmp_path) == {
        "hook": pytest.approx(300 * TICK_S),
        "floor": pytest.approx(14 * TICK_S),
    }


def test_a_group_that_mapped_a_library_is_told_from_one_that_did_not(tmp_path: Path) -> None:
    maps = {
        4240: "7f00-7f10 r-xp 0 08:01 1 /lib/libc.so.6",
        4242: "7f20-7f30 r-xp 0 08:01 2 /x/_pydantic_core.so",
    }
    for pid, pgrp in ((4240, 4240), (4242, 4240), (4300, 4300)):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(
            f"{pid} (python) S 1 {pgrp} {pgrp} 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1"
        )
        (tmp_path / str(pid) / "maps").write_text(maps.get(pid, maps[4240]))
    assert group_maps(4240, "_pydantic_core", tmp_path)  # its worker loaded it
    assert not group_maps(4300, "_pydantic_core", tmp_path)


def _knee(capacity: float, limit: float = 3200.0) -> tuple[float, float | None, int]:
    high: float | None = None
    rate: float | None = 100.0
    low, probes = 0.0, 0
    while rate is not None:
        probes += 1
        low, high = (rate, high) if rate <= capacity else (low, rate)
        rate = next_rate(low, high, limit)
    return low, high, probes


@pytest.mark.parametrize("capacity", [7.0, 30.0, 137.0, 420.0, 2999.0])
def test_the_knee_search_brackets_the_capacity_within_ten_percent(capacity: float) -> None:
    low, high, probes = _knee(capacity)
    assert high is not None and low <= capacity < high and high <= max(1.1 * low, low + 1)
    assert probes <= 12


def test_the_knee_search_stops_at_its_limit_or_below_the_lowest_rate() -> None:
    assert _knee(5000.0) == (3200.0, None, 6)  # 100, 200, ..., 3200 all held
    low, high, _ = _knee(3.0)
    assert low == 0.0 and high is not None and high < 10  # nothing held: no max_rate is made up


def test_a_benchmark_exits_1_only_when_a_printed_goal_is_missed() -> None:
    assert exit_status(["met", "met"]) == 0
    assert exit_status(["met", "inconclusive", "not measured"]) == 0  # printed as such, not a miss
    assert exit_status(["met", "not met"]) == 1
    assert exit_status([]) == 0
    with pytest.raises(ValueError, match="verdicts must be among"):
        exit_status(["NOT met"])  # a verdict spelled otherwise cannot pass as met


def test_a_figure_under_its_limit_meets_it_and_one_at_it_does_not() -> None:
    assert under(0.99, 1.0) == "met"
    assert under(1.0, 1.0) == "not met"


def _cold(target: str, seconds: float, ratio: Estimate) -> ColdRow:
    return ColdRow(target, seconds, seconds / ratio.median, ratio, seconds * 1.2, 0.4, 0.4)


def test_the_cold_start_guard_fails_a_slow_answer_or_a_slower_tree(
    capsys: pytest.CaptureFixture[str],
) -> None:
    level, slower = Estimate(1.0, 0.9, 1.1, 11), Estimate(1.4, 1.25, 1.6, 11)
    assert report([_cold("notion_webhook", 0.6, level), _cold("api", 0.7, level)], 1, "f" * 40) == 0
    assert "RESULT notion_webhook_s=0.600 api_s=0.700 max_ratio=1.000" in capsys.readouterr().out
    # the webhook's answer a person would wait for: over a second
    assert report([_cold("notion_webhook", 1.2, level), _cold("api", 0.7, level)], 1, "f" * 40) == 1
    # a console page's first data: 1.5 s or more
    assert report([_cold("notion_webhook", 0.6, level), _cold("api", 1.5, level)], 1, "f" * 40) == 1
    # a task function slower than before beyond the noise, though quick
    assert report([_cold("notion_webhook", 0.6, level), _cold("plan", 0.9, slower)], 1, "f" * 40) == 1
    assert "api's GET /runs cold < 1.5 s: not measured" in capsys.readouterr().out


def test_the_cold_start_guard_allows_a_fifth_more_than_the_previous_release() -> None:
    within, beyond = Estimate(1.15, 1.1, 1.19, 11), Estimate(1.3, 1.21, 1.4, 11)
    assert report([_cold("notion_webhook", 0.6, within), _cold("api", 0.7, within)], 1, "f" * 40) == 0
    assert report([_cold("notion_webhook", 0.6, within), _cold("plan", 0.9, beyond)], 1, "f" * 40) == 1


def test_the_cold_start_baseline_is_the_last_tag_else_the_tree_before_0039(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    commits = []
    for name in ("README.md", BASELINE_DECISION, "later.txt", "latest.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
        git("add", name)
        git("commit", "-q", "-m", name)
        commits.append(git("rev-parse", "HEAD"))
    assert default_baseline(tmp_path) == commits[0]  # no tag: the parent of 0039's commit
    git("tag", "-a", "v1.0", "-m", "release", commits[2])
    assert default_baseline(tmp_path) == commits[2]  # the previous release
