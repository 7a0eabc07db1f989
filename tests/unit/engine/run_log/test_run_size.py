"""What a run records stays far below Firestore's 1 MiB a document, whatever the workspace holds: read
outputs are clipped and capped, the run document keeps only the fields later steps refer to, and a
result that would still be too large is refused as an error the run records (never a write Firestore
refuses, which would fail every retry)."""

from datetime import UTC, datetime

import pytest

from shared.engine.services import stepping
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import ModelFixableError
from shared.runs.domain.events import ErrorRecorded, PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.state import RunEvent, fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.tools import notion_read, resolve
from tests.engine_fakes import FakeNotion
from tests.fakes import FakeQueue
from tests.support.engine.run_size import NOTES, daily_plan_over_long_rows, drive, size, started, with_notes


def results(deps: Deps) -> list[ToolResult]:
    return [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]


def test_the_daily_plan_over_long_rows_records_small_events_and_a_small_run_document() -> None:
    deps = daily_plan_over_long_rows()
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.COMPLETED
    query = results(deps)[0]
    assert size(query.model_dump(mode="json")) < 60_000  # was 1,104,627 bytes
    assert size(run.state.model_dump(mode="json")) < 20_000  # was 1,106,525 bytes
    assert set(run.state.outputs["1"]) == {"titles"}  # what step 2 refers to, not every row
    assert "- Task 49" in run.state.outputs["1"]["titles"]  # every row is in the titles
    row = query.output["results"][0]
    assert len(row["properties"]["Notes"]) == notion_read.PROPERTY_CHARS
    assert row["properties"]["Status"] == "Open"


def test_a_query_keeps_the_rows_that_fit_and_counts_the_others() -> None:
    notion = FakeNotion()
    for i in range(50):
        pid = with_notes(notion, f"Task {i}", "x", data_source_id="ds")
        props = notion.pages[pid]["properties"]
        props |= {f"P{k}": {"type": "rich_text", "rich_text": [{"plain_text": "y" * 500}]} for k in range(40)}
    deps = started(
        notion, ("query_data_source", {"data_source_id": "ds", "limit": 50}), ("finish", {"summary": "ok"})
    )
    drive(deps, 1)
    output = results(deps)[0].output
    kept = len(output["results"])
    assert 0 < kept < 50 and output["omitted"] == 50 - kept
    assert size(output) <= notion_read.OUTPUT_BYTES
    assert output["titles"].count("\n") == 49  # one line per row, kept in results or not


def test_read_page_output_and_last_page_are_clipped() -> None:
    notion = FakeNotion()
    page = with_notes(notion, "T" * 5000, NOTES)
    notion.pages[page]["properties"]["Tags"] = {
        "type": "multi_select",
        "multi_select": [{"name": f"tag-{i}"} for i in range(200)],
    }
    notion.pages[page]["properties"]["Formula"] = {"type": "formula", "formula": {"string": "f" * 5000}}
    deps = started(notion, ("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))
    drive(deps, 1)
    output = results(deps)[0].output
    assert size(output) < 20_000
    assert len(output["title"]) == notion_read.TITLE_CHARS
    assert len(output["properties"]["Tags"]) == notion_read.LIST_ITEMS
    assert len(output["properties"]["Formula"]["string"]) == notion_read.PROPERTY_CHARS
    assert {"Tags", "Formula"} <= set(output["clipped"]) and "Status" not in output["clipped"]  # named
    run = deps.store.get_run("t1", "r1")
    assert run is not None and size(run.state.last_page) < 5_000  # was ~35,000
    assert run.state.last_page["properties"]["Status"] == "Open"


def test_the_run_keeps_only_the_referenced_fields_or_the_whole_output_when_it_is_referenced() -> None:
    at = datetime.now(UTC)
    steps = [
        PlannedStep(tool="query_data_source", args={"data_source_id": "ds"}),
        PlannedStep(tool="read_page", args={"page_id": "p"}),
        PlannedStep(tool="draft_text", args={"instructions": "${steps.1.titles} ${steps.2}"}),
        PlannedStep(tool="add_comment", args={"page_id": "${steps.1.data_source_id}", "text": "x"}),
    ]
    output = {"results": [1], "titles": "t", "data_source_id": "ds"}
    events: list[RunEvent] = [
        RunPlanned(seq=1, at=at, goal="g", trigger="api", steps=steps),
        ToolResult(seq=2, at=at, step=1, tool="query_data_source", output=output),
        ToolResult(seq=3, at=at, step=2, tool="read_page", output={"page_id": "p", "text": "body"}),
    ]
    state = fold(events)
    assert state.outputs["1"] == {"titles": "t", "data_source_id": "ds"}
    assert state.outputs["2"] == {"page_id": "p", "text": "body"}


def test_a_read_result_too_large_to_record_is_a_fixable_error_not_a_failed_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stepping, "RECORD_BYTES", 6_000)  # a run document full of earlier outputs
    monkeypatch.setattr(stepping, "_check_room", lambda _state: None)  # the check after the step alone
    notion = FakeNotion()
    page = notion.add_page("P", text="word " * 1000)
    deps = started(
        notion,
        ("read_page", {"page_id": page}),
        ("draft_text", {"instructions": "${steps.1.text}"}),
        ("finish", {"summary": "ok"}),
    )
    outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    run = deps.store.get_run("t1", "r1")
    assert not outcome.acted and run is not None and run.state.cursor == 1
    assert run.state.consecutive_errors == 1 and "too large to record" in run.state.last_error
    assert "ask for less" in run.state.last_error and not results(deps)


def test_a_write_result_too_large_to_record_fails_the_run_and_says_the_write_happened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stepping, "RECORD_BYTES", 8_000)
    monkeypatch.setattr(stepping, "_check_room", lambda _state: None)  # the check after the step alone
    args = {"subject": "Today", "text": "t" * 10_000}  # an effect step: a notification to the owner
    deps = started(FakeNotion(), ("send_notification", args), ("finish", {"summary": "ok"}))
    assert isinstance(deps.queue, FakeQueue)
    deps.queue.tasks.clear()
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "was carried out" in run.state.summary and "too large to record" in run.state.summary
    sent = [t for _, t, _, _ in deps.queue.tasks if isinstance(t, NotifyTask) and t.text == args["text"]]
    assert len(sent) == 1  # the effect happened once; asking the model again would repeat it
    errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert errors[-1].error == "permanent" and not results(deps)


def test_a_value_within_notions_own_limits_is_read_whole_and_not_marked() -> None:
    notion = FakeNotion()
    page = with_notes(notion, "Spec", "n" * 1500)  # a rich text item holds up to 2,000 characters
    deps = started(notion, ("read_page", {"page_id": page}), ("finish", {"summary": "ok"}))
    drive(deps, 1)
    output = results(deps)[0].output
    assert output["properties"]["Notes"] == "n" * 1500 and "clipped" not in output


def test_a_reference_to_a_field_the_run_did_not_keep_says_which_it_kept() -> None:
    # the run document keeps the fields the plan refers to; a repair referring to another learns which
    with pytest.raises(ModelFixableError, match=r"step 1 has no field 'text' \(it has: title, url\)"):
        resolve({"text": "${steps.1.text}"}, {"1": {"url": "u", "title": "t"}})


def test_a_run_whose_record_is_full_stops_before_a_write_not_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # step 2 refers to step 1's text, so the run document keeps it: too little room is left for a result
    monkeypatch.setattr(stepping, "RECORD_BYTES", 12_000)
    monkeypatch.setattr(stepping, "ROOM_BYTES", 6_000)
    notion = FakeNotion()
    page = notion.add_page("P", text="word " * 1000)
    deps = started(
        notion,
        ("read_page", {"page_id": page}),
        ("add_comment", {"page_id": page, "text": "${steps.1.text}"}),
        ("finish", {"summary": "ok"}),
    )
    drive(deps, 2)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert "record is full" in run.state.summary and "before step 2, which did not run" in run.state.summary
    assert not notion.writes and [r.step for r in results(deps)] == [1]
