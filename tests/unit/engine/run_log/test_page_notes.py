"""Notes on a run's trigger page, as the owner chose (``trigger_page_notes``): by default a start note
(sent by the row's task when there is a Runs database, linking the row) and the result at the end,
nothing per step; every_step adds one per finished step; none leaves the page alone and the end goes
to the other channels (or the digest). Runs without a page are told as before."""

from typing import Any

from shared.engine.services import run_log
from shared.engine.services.followups import enqueue_followup
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain import page_notes
from shared.runs.domain.events import PlannedStep, RunStatus
from shared.runs.domain.rows_task import RowTask
from shared.runs.domain.state import RunState
from shared.runs.services.deps import Deps
from shared.workspace.domain.agent_home import AgentHome, HomeDatabase
from tests.support.agents.daily_planning import deps_with, queued, tenant

STEPS = (PlannedStep(tool="read_page"), PlannedStep(tool="draft_text"), PlannedStep(tool="finish"))
RUNNING = RunState(goal="Tidy the backlog", page_id="page-1", status=RunStatus.RUNNING, steps=STEPS)


def _deps(notes: str = "start_end", *, rows: bool = False, digest: bool = False) -> Deps:
    t = tenant("t1")
    t = t.model_copy(
        update={"settings": t.settings.model_copy(update={"trigger_page_notes": notes, "digest": digest})}
    )
    if rows:
        t = t.model_copy(update={"home": AgentHome(runs=HomeDatabase(database_id="db", data_source_id="ds"))})
    return deps_with(t)


def _notes(deps: Deps) -> list[NotifyTask]:
    return [b for q, b, _, _ in queued(deps).tasks if q == Queue.NOTIFY and isinstance(b, NotifyTask)]


def _life(deps: Deps, state: RunState = RUNNING) -> None:
    """A run's transitions: created, steps 1 and 2 finished, then ended (completed)."""
    run_log.RunLog(deps, "t1", "r1").emit_transition(None, state)
    for cursor in (2, 3):
        run_log.RunLog(deps, "t1", "r1").emit_transition(
            RunStatus.RUNNING, state.model_copy(update={"cursor": cursor})
        )
    done = state.model_copy(update={"status": RunStatus.COMPLETED, "summary": "Closed 4 stale tasks."})
    run_log.RunLog(deps, "t1", "r1").emit_transition(RunStatus.RUNNING, done)


def _comments(deps: Deps) -> list[tuple[str, str, Any]]:
    return [(n.notification_id, n.subject, n.data) for n in _notes(deps) if n.channel == "notion_comment"]


def test_by_default_a_start_note_and_the_result_and_nothing_per_step() -> None:
    deps = _deps()
    _life(deps)
    assert [(i, s) for i, s, _ in _comments(deps)] == [
        ("r1-started", "Started: Tidy the backlog"),
        ("r1-completed", "Done: Tidy the backlog"),
    ]
    (end,) = [n for n in _notes(deps) if n.notification_id == "r1-completed"]
    assert end.text == "Closed 4 stale tasks." and end.data == {"page_id": "page-1"}
    assert not any(n.subject.startswith("Run completed") for n in _notes(deps))  # the old comment is gone


def test_with_a_runs_database_the_row_task_sends_the_start_note() -> None:
    deps = _deps(rows=True)
    run_log.RunLog(deps, "t1", "r1").emit_transition(None, RUNNING)
    assert _notes(deps) == []
    (start,) = [b for q, b, n, _ in queued(deps).tasks if isinstance(b, RowTask) and n.endswith(":start")]
    assert start.note is True and start.create is True


def test_every_step_notes_each_finished_step() -> None:
    deps = _deps("every_step")
    _life(deps)
    assert [s for _, s, _ in _comments(deps)] == [
        "Started: Tidy the backlog",
        "Step 1 of 3 done: read_page",
        "Step 2 of 3 done: draft_text",
        "Done: Tidy the backlog",
    ]
    repeated = len(queued(deps).tasks)
    run_log.RunLog(deps, "t1", "r1").emit_transition(
        RunStatus.RUNNING, RUNNING.model_copy(update={"cursor": 3})
    )
    again = [b for q, b, _, _ in queued(deps).tasks[repeated:] if q == Queue.NOTIFY]
    assert again == []  # a repeat has the same name: the queue refuses it


def test_none_leaves_the_page_alone_and_the_end_goes_elsewhere() -> None:
    deps = _deps("none")
    _life(deps)
    assert _comments(deps) == []
    (end,) = _notes(deps)
    assert end.channel == "outbox" and end.data == {} and end.subject == "Run completed: Tidy the backlog"
    digest = _deps("none", digest=True)
    _life(digest)
    assert _notes(digest) == []  # the digest tells it


def test_with_the_digest_the_page_still_gets_its_notes() -> None:
    deps = _deps(digest=True)
    _life(deps)
    assert [i for i, _, _ in _comments(deps)] == ["r1-started", "r1-completed"] and len(_notes(deps)) == 2


def test_a_run_without_a_page_changes_nothing() -> None:
    deps = _deps("every_step")
    _life(deps, RUNNING.model_copy(update={"page_id": None}))
    (end,) = _notes(deps)
    assert end.channel == "outbox" and end.notification_id == "r1-completed"


def test_the_end_note_of_a_failed_run_gives_its_reason() -> None:
    failed = RUNNING.model_copy(update={"status": RunStatus.FAILED, "last_error": "the page is gone"})
    note = page_notes.end("r1", failed)
    assert note == page_notes.Note("r1-failed", "Failed: Tidy the backlog", "the page is gone")
    deps = _deps()
    enqueue_followup(run_log.RunLog(deps, "t1", "r1"), failed)
    (sent,) = _notes(deps)
    assert sent.channel == "notion_comment" and sent.text == "the page is gone"


def test_an_agent_s_reports_to_chooses_where_the_end_goes() -> None:
    deps = _deps("none", digest=True)  # the workspace: no notes on the page, ends in the digest
    _life(deps, RUNNING.model_copy(update={"reports_to": "notion_comment"}))
    assert [i for i, _, _ in _comments(deps)] == ["r1-completed"]  # the agent's choice: its page
    deps = _deps(digest=True)  # the workspace: notes on the page
    _life(deps, RUNNING.model_copy(update={"reports_to": "notification"}))
    (end,) = [n for n in _notes(deps) if n.notification_id == "r1-completed"]
    assert end.channel != "notion_comment" and end.subject.startswith("Run completed")
