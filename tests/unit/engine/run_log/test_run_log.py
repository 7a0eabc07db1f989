"""The run log (``shared.engine.services.run_log``): it numbers a run's events, writes them by the race rule,
keeps the paid usage of a write that lost, reads the run as its log has it and, after a write, emits
what follows. The sweeper's failure goes through it and writes the alert line every failure writes."""

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.engine.services import run_log
from shared.engine.services.run_log import Seqs
from shared.engine.services.sweeper import GIVE_UP_AFTER, sweep
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import PermanentError
from shared.platform.logs import CloudLoggingFormatter
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    ModelUsed,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
    ToolIntent,
)
from shared.runs.domain.state import RunState
from shared.runs.services.deps import Deps
from tests.engine_fakes import FakeModel, FakeNotion
from tests.support.engine.engine_runs import drive, plan, queue, started
from tests.support.engine.sweeper import last_moved, runs
from tools.infra_drift import load_terraform

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def doc(deps: Deps, run_id: str = "r1") -> RunState:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def events(deps: Deps, run_id: str = "r1") -> list[RunEvent]:
    return deps.store.list_events("t1", run_id)


def error(seq: int, message: str) -> ErrorRecorded:
    return ErrorRecorded(seq=seq, at=AT, step=1, error=ErrorKind.TRANSIENT, message=message)


def usage(seq: int, cost: float) -> ModelUsed:
    return ModelUsed(
        seq=seq, at=AT, purpose="draft", model="m", input_tokens=1, output_tokens=1, cost_usd=cost
    )


def one_step() -> Deps:
    return started(FakeModel({"PlanOut": [plan(("finish", {"summary": "ok"}))]}))


# Numbering


def test_seqs_hand_out_the_places_after_a_state_in_order() -> None:
    state = RunState(last_seq=4)
    seqs = Seqs.after(state)
    assert [seqs.next(), seqs.next(), seqs.next()] == [5, 6, 7]
    assert Seqs().next() == 1  # a new log
    assert run_log.next_seq(state) == 5 and run_log.next_seq(state) == 5  # taking nothing
    again = run_log.with_next_seqs([error(1, "a"), usage(1, 0.1)], Seqs(9))
    assert [e.seq for e in again] == [10, 11]
    assert (
        [type(e) for e in again] == [ErrorRecorded, ModelUsed]
        and isinstance(again[0], ErrorRecorded)
        and again[0].message == "a"
    )


# The race rule


def test_of_two_writers_from_one_state_exactly_one_is_recorded() -> None:
    deps = one_step()
    state = doc(deps)
    first = run_log.RunLog(deps, "t1", "r1").append(state, [error(run_log.next_seq(state), "first")])
    assert first is not None and first.last_error == "first"
    assert run_log.RunLog(deps, "t1", "r1").append(state, [error(run_log.next_seq(state), "second")]) is None
    assert doc(deps) == first
    assert [e.message for e in events(deps) if isinstance(e, ErrorRecorded)] == ["first"]


def test_usage_recorded_alone_does_not_count_as_another_writer_unless_asked() -> None:
    deps = one_step()
    state = doc(deps)
    run_log.RunLog(deps, "t1", "r1").keep_usage(
        [usage(1, 0.25)]
    )  # a duplicate's paid call, numbered by the log
    assert events(deps)[-1] == usage(state.last_seq + 1, 0.25)
    strict = run_log.RunLog(deps, "t1", "r1").append(
        state, [error(run_log.next_seq(state), "x")], after_usage=False
    )
    assert strict is None  # a person's decision, the sweeper: any write since the state wins
    new = run_log.RunLog(deps, "t1", "r1").append(state, [error(run_log.next_seq(state), "x")])
    assert new is not None and new.last_seq == state.last_seq + 2  # after the usage, renumbered
    assert new.cost_usd == pytest.approx(state.cost_usd + 0.25)
    assert [type(e) for e in events(deps)[-2:]] == [ModelUsed, ErrorRecorded]


def test_a_write_that_loses_keeps_its_paid_usage_after_the_winner() -> None:
    deps = one_step()
    state = doc(deps)
    seqs = Seqs.after(state)
    assert (
        run_log.RunLog(deps, "t1", "r1").append(state, [error(run_log.next_seq(state), "winner")]) is not None
    )
    lost = run_log.RunLog(deps, "t1", "r1").append(
        state, [usage(seqs.next(), 0.5), error(seqs.next(), "loser")]
    )
    assert lost is None
    log = events(deps)
    assert [e.message for e in log if isinstance(e, ErrorRecorded)] == ["winner"]
    assert isinstance(log[-1], ModelUsed) and log[-1].cost_usd == 0.5  # after the winner's events
    assert doc(deps).cost_usd == pytest.approx(state.cost_usd + 0.5)


def test_creating_a_run_counts_a_retried_commit_as_its_own_and_keeps_usage_when_another_made_it() -> None:
    deps = one_step()
    seqs = Seqs()
    head = RunPlanned(seq=seqs.next(), at=AT, goal="g", trigger="api", steps=[])
    mine: list[RunEvent] = [head, usage(seqs.next(), 0.1)]
    assert run_log.RunLog(deps, "t1", "r2").create(mine)
    assert run_log.RunLog(deps, "t1", "r2").create(mine)  # the same commit, retried after it went through
    other: list[RunEvent] = [head.model_copy(update={"goal": "other"}), usage(2, 0.3)]
    assert not run_log.RunLog(deps, "t1", "r2").create(other)
    assert [e.cost_usd for e in events(deps, "r2") if isinstance(e, ModelUsed)] == [0.1, 0.3]
    assert doc(deps, "r2").goal == "g"


# Reading the run as its log has it


def test_a_run_is_read_with_what_its_log_holds_past_the_document() -> None:
    deps = one_step()
    state = doc(deps)
    intent = ToolIntent(
        seq=run_log.next_seq(state),
        at=AT,
        step=1,
        tool="finish",
        args={"summary": "ok"},
        key="k",
        attempt=1,
        lease_until=AT + timedelta(minutes=1),
    )
    assert run_log.RunLog(deps, "t1", "r1").add_alone(intent)
    assert not run_log.RunLog(deps, "t1", "r1").add_alone(intent.model_copy(update={"key": "other"}))
    assert run_log.RunLog(deps, "t1", "r1").event_at(intent.seq) == intent
    run_log.RunLog(deps, "t1", "r1").keep_usage([usage(1, 0.2)])  # after the intent, without the document
    logged = run_log.RunLog(deps, "t1", "r1").read()
    assert logged is not None and logged.run.state == state  # the document has not moved
    assert logged.holder == intent and logged.state.pending is not None
    assert logged.state.last_seq == state.last_seq + 2
    assert run_log.RunLog(deps, "t1", "r1").last_but_usage(logged.state) == intent
    assert not run_log.RunLog(deps, "t1", "r1").outcome_past(state)
    assert run_log.RunLog(deps, "t1", "nothing").read() is None


# What follows a write


def alert_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The ``run_failed`` records as Cloud Logging receives them (shared/platform/logs.py: one JSON line each)."""
    formatter = CloudLoggingFormatter("project")
    lines = [json.loads(formatter.format(r)) for r in caplog.records]
    return [line for line in lines if line.get("fields", {}).get("event") == "run_failed"]


def test_a_recorded_write_emits_the_alert_line_and_the_next_task_and_a_lost_one_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = one_step()
    queue(deps).tasks.clear()
    state = doc(deps)
    seqs = Seqs.after(state)
    failed: list[RunEvent] = [
        error(seqs.next(), "bad"),
        RunFinished(seq=seqs.next(), at=AT, status=RunStatus.FAILED, summary="bad"),
    ]
    with caplog.at_level(logging.INFO):
        assert run_log.RunLog(deps, "t1", "r1").record(state, failed) is not None
        assert (
            run_log.RunLog(deps, "t1", "r1").record(state, [error(run_log.next_seq(state), "late")]) is None
        )
    assert len(alert_lines(caplog)) == 1
    notes = [b for _, b, _, _ in queue(deps).tasks]
    assert [n.notification_id for n in notes if isinstance(n, NotifyTask)] == ["r1-failed"] and len(
        notes
    ) == 1


def run_failed_filter() -> list[tuple[str, str]]:
    """The ``jsonPayload`` fields and values terraform/monitoring.tf's run_failed metric counts."""
    metric = load_terraform().locals["log_metrics"]["run_failed"]["filter"]
    pairs = re.findall(r'jsonPayload\.([\w.]+)\s*=\s*"([^"]*)"', metric)
    assert pairs, metric
    return pairs


def counted(line: dict[str, Any], pairs: list[tuple[str, str]]) -> bool:
    for path, value in pairs:
        node: Any = line
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node != value:
            return False
    return True


def test_the_sweepers_failure_writes_the_alert_line_every_other_failure_writes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pairs = run_failed_filter()
    notion = FakeNotion()
    page = notion.add_page("P")
    notion.fail["add_comment"] = [PermanentError("Notion answered 403 restricted_resource")]
    steps = plan(("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"}))
    with caplog.at_level(logging.INFO):
        drive(started(FakeModel({"PlanOut": [steps]}), notion))  # a step's failure
    [step_line] = alert_lines(caplog)
    caplog.clear()

    deps = runs(1)
    last_moved(deps, "r0", GIVE_UP_AFTER + timedelta(minutes=5))
    with caplog.at_level(logging.INFO):
        sweep(deps)
    assert doc(deps, "r0").status == RunStatus.FAILED
    [swept_line] = alert_lines(caplog)

    assert counted(step_line, pairs) and counted(swept_line, pairs)
    assert swept_line["fields"] == {"event": "run_failed", "run": "r0"}
    same = ("severity", "logger")
    assert (
        {k: swept_line[k] for k in same}
        == {k: step_line[k] for k in same}
        == {
            "severity": "ERROR",
            "logger": "shared.runs.services.alerts",
        }
    )
    assert swept_line["fields"].keys() == step_line["fields"].keys()
    assert swept_line["message"].startswith("run r0 failed: the run made no progress for 24 hours")
