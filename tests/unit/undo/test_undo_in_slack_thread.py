"""What a Slack thread is told at a run's end (docs/slack.md, "Undo from the thread"): a run with effects
an undo can take back gets the "Undo this run" button (with several, an "Undo this" for each), one with
none gets plain words, and an undo run's end says what it restored, left as conflicts and could not."""

from datetime import UTC, datetime

from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import UNDO_EFFECTS_KEY, UNDO_KEY, offered_effects, undo_blocks
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


def test_a_slack_run_with_several_effects_offers_each_alone_newest_first() -> None:
    deps = make_deps()
    notion = deps.need_notion("t1")
    calls = [("add_comment", {"page_id": "p1", "text": f"note {n}"}) for n in (1, 2)]
    seqs = store_calls(deps, "r-several", notion, "p1", calls, thread=THREAD)
    note = _thread_note(deps, "r-several")
    offered = offered_effects(note.data[UNDO_EFFECTS_KEY])
    assert [n for n, _ in offered] == sorted(seqs, reverse=True)
    assert all(label == "add_comment on p1" for _, label in offered)
    blocks = undo_blocks("r-several", "done", offered)
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("undo_effect", f"r-several {n}") for n, _ in offered
    ]


def test_one_effect_is_offered_by_the_whole_run_s_button_alone_and_many_are_cut() -> None:
    deps = make_deps()
    store_calls(
        deps,
        "r-one",
        deps.need_notion("t1"),
        "p1",
        [("add_comment", {"page_id": "p1", "text": "x"})],
        thread=THREAD,
    )
    assert UNDO_EFFECTS_KEY not in _thread_note(deps, "r-one").data
    many = undo_blocks("r-many", "done", [(n, f"add_comment on p{n}") for n in range(1, 15)])
    assert sum("accessory" in b for b in many) == 10
    assert "and 4 more" in many[-1]["elements"][0]["text"]
    assert offered_effects([[1, "ok"], ["2", "no"], [3], "x"]) == [(1, "ok")]  # only well-formed ones
