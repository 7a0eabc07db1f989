"""``make bench-triggers`` still runs and holds its goals: its mix, shortened to 25 events, through the
real notion-webhook against the Firestore emulator and a Notion sandbox of its own."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from tests.perf.webhook import bench_triggers

pytestmark = pytest.mark.integration


def test_the_trigger_bench_starts_exactly_the_expected_runs_and_nothing_for_unmatched_edits(
    firestore_emulator: Any,
) -> None:
    firestore_emulator.reset()
    with SandboxServer() as sandbox:
        figures = bench_triggers.run(firestore_emulator.host, sandbox, edits=25, seed=5)
    assert figures["events"] == 25
    assert figures["runs_started"] == figures["runs_expected"] == figures["runs_planned"] > 0
    assert figures["reads_per_unmatched_edit"] == 0.0 and figures["model_calls_unmatched"] == 0
    assert figures["reads_per_wrong_value_edit"] == 1.0 and figures["runs_from_unmatched"] == 0
    assert figures["answers"]["unnamed"] == {"ignored": 13}
    assert figures["records_only_for_admitted"] and figures["met"]
    line = bench_triggers.result_line(figures)
    assert line == (
        f"RESULT runs_started={figures['runs_started']} runs_expected={figures['runs_expected']} "
        "reads_per_unmatched_edit=0.0 model_calls_unmatched=0"
    )
