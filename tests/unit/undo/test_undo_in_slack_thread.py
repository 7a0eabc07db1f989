"""What a Slack thread is told at a run's end (docs/slack.md, "Undo from the thread"): a run with effects
an undo can take back gets the "Undo this run" button, one with none gets plain words, and an undo
run's end says what it restored, what it left as conflicts and what nothing could take back."""

from datetime import UTC, datetime

from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import UNDO_KEY, undo_blocks
from shared.runs.domain.events import PlannedStep, RunEvent, RunFinished, RunPlanned, RunStatus, ToolResult
from shared.runs.services.deps import Deps, RunRef
from shared.undo.domain.told import outcome_words
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.undo.written_runs import store_calls

THREAD = "slack:T0SANDBOX01:C0SANDBOX01:1700000000.000100"


def _thread_note(deps: Deps, run_id: str) -> NotifyTask:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    enqueue_followup(RunRef(deps, "t1", run_id), run.state)
    assert isinstance(deps.queue, FakeQueue)
    [note] = [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask) and b.channel == "slack"]
    return note


def test_a_slack_run_with_an_undoable_effect_ends_with_the_button() -> None:
    deps = make_deps()
    notion = deps.need_notion("t1")
    store_calls(
        deps, "r-undoable", notion, "p1", [("add_comment", {"page_id": "p1", "text": "hi"})], thread=THREAD
    )
    note = _thread_note(deps, "r-undoable")
    assert note.data[UNDO_KEY] == "r-undoable"
    [_, actions] = undo_blocks("r-undoable", "done <b>")
    assert actions["elements"][0]["value"] == "r-undoable undo"


def test_a_slack_run_with_nothing_to_undo_ends_without_the_button() -> None:
    deps = make_deps()
    store_calls(deps, "r-plain", deps.need_notion("t1"), "p1", [], thread=THREAD)
    assert UNDO_KEY not in _thread_note(deps, "r-plain").data


def test_an_undo_runs_end_in_the_thread_says_what_it_restored_and_left() -> None:
    deps = make_deps()
    at = datetime.now(UTC)
    outputs = [
        {"effect": 4, "tool": "update_properties", "target": "p1", "outcome": "conflict"},
        {"effect": 3, "tool": "add_comment", "target": "c1", "outcome": "reverted"},
        {"effect": 2, "tool": "append_blocks", "target": "p2", "outcome": "already"},
        {"effect": 1, "tool": "send_email", "target": "x", "outcome": "final", "reason": "sent"},
    ]
    log: list[RunEvent] = [
        RunPlanned(
            seq=1, at=at, goal="Undo", trigger="manual", thread=THREAD,
            steps=[PlannedStep(tool="undo_effect", args={}) for _ in outputs],
        ),
        *[
            ToolResult(seq=n + 2, at=at, step=n + 1, tool="undo_effect", args={}, output=o)
            for n, o in enumerate(outputs)
        ],
        RunFinished(seq=6, at=at, status=RunStatus.COMPLETED, summary="Undid 4 change(s)"),
    ]  # fmt: skip
    assert RunLog(deps, "t1", "undo-r2").create(log)
    note = _thread_note(deps, "undo-r2")
    assert UNDO_KEY not in note.data
    assert note.text == "Undid 4 change(s)\n" + outcome_words(outputs)
    assert "Restored 2: add_comment on c1; append_blocks on p2." in note.text
    assert "Left as conflicts (a person changed them since) 1: update_properties on p1." in note.text
    assert "Not taken back 1: send_email on x." in note.text
