"""``make bench-watch`` in short: a watched run's unchanged polls never read its events, and the
ETag makes a watching minute cheaper than polling without it."""

import pytest

from tests.perf.engine import bench_watch

pytestmark = pytest.mark.integration


def test_following_a_run_meets_its_read_goal(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_watch.main([]) == 0
    result = capsys.readouterr().out.strip().splitlines()[-1]
    figures = dict(part.split("=") for part in result.split()[1:])
    assert int(figures["reads_per_watcher_per_min"]) < int(figures["without_etag"]) / 2
