"""``make bench-notion`` still runs and holds its goals, small: five concurrent runs against the
sandbox limited to 4 requests a second (10 s windows), on the Firestore emulator and a Notion sandbox
of its own; every run completes and the workspace's rate is used, not exceeded."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from tests.perf.engine import bench_notion

pytestmark = pytest.mark.integration


def test_the_notion_bench_completes_every_run_and_uses_the_allowed_rate(firestore_emulator: Any) -> None:
    firestore_emulator.reset()
    with SandboxServer() as sandbox:
        figures = bench_notion.run(firestore_emulator.host, sandbox, runs=5, rate=4.0, window_s=10.0)
    assert figures["runs_completed"] == 5 and figures["failed"] == 0, figures["statuses"]
    assert figures["allowed_per_s"] == 4.0 and figures["requests_ok"] >= 5 * 10
    # the sandbox's own log: every run's rows and notes were written by the log's end (a row whose
    # lease another task holds is written on that task's retry, which may follow the run's end under
    # load), and the rate used is close to the rate allowed, never well above it
    assert figures["kinds_all"]["row writes"] >= 5, figures["kinds_all"]
    assert figures["kinds_all"]["comments"] >= 5, figures["kinds_all"]
    assert figures["throughput_ratio"] <= 1.1, figures
    assert bench_notion.met(figures, 5)
    assert bench_notion.result_line(figures) == (
        f"RESULT throughput_ratio={figures['throughput_ratio']:.2f} failed=0 runs_completed=5"
    )


def test_a_page_read_costs_one_request_for_the_index_and_two_for_the_tool() -> None:
    """``make bench-notion``'s page reads, this tree only: every page, nested four deep or 250 blocks
    long, in one request of the index (its Markdown) and two of the tool (the page, its Markdown); a
    walk of the blocks took up to 21 (tests/perf/page_reads.py). Read whole: nothing shorter for it."""
    reads = bench_notion.page_reads(before=False)
    now = reads["now"]
    assert now["index"] == {"short": 1, "long": 1, "nested": 1, "row": 1}, now
    assert now["tool"] == {"short": 2, "long": 2, "nested": 2, "row": 2}, now
    assert bench_notion.reads_met(reads)
    assert (
        now["chars"]["nested"]["tool"] > 1500 and now["chars"]["long"]["index"] > 7500
    )  # nested, long: whole
    line = bench_notion.result_line({"throughput_ratio": 1.0, "failed": 0, "runs_completed": 1}, reads)
    assert line.endswith(
        "index_requests_per_read=1.00 before=unmeasured tool_requests_per_read=2.00 before=unmeasured"
    )
