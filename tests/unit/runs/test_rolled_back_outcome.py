"""A run whose production failed its health check and was rolled back ends as its own
outcome, ``rolled_back``, never "completed ... healthy False": in its state (the API's status), its
Runs row in Notion, its page note and its notification, each in words a person reads."""

from datetime import UTC, datetime

from shared.engine.services.followups import enqueue_followup
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain import page_notes, run_rows
from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import fold
from shared.runs.services.deps import RunRef
from tests.support.code.code_run_log import ROLLED_BACK, code_run_log
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue

AT = datetime(2026, 11, 28, tzinfo=UTC)


def test_the_rolled_back_run_is_its_own_outcome_where_a_person_reads_it() -> None:
    state = fold(code_run_log(AT))
    assert state.status == RunStatus.ROLLED_BACK and state.status.terminal
    assert state.rolled_back == {
        "project": "site",
        "deployment_id": "dpl_prod2",
        "status": 500,
        "rolled_back_to": "dpl_prod1",
    }
    row = run_rows.properties("r1", state, "", AT)
    assert row["Status"] == {"select": {"name": "Rolled back"}}
    assert row["Finished"]["date"] is not None
    note = page_notes.end("r1", state)
    assert note.subject.startswith("Rolled back: ") and note.text == ROLLED_BACK
    healthy = fold(code_run_log(AT, healthy=True))
    assert healthy.status == RunStatus.COMPLETED and healthy.rolled_back is None


def test_its_notification_says_rolled_back() -> None:
    deps = make_deps()
    state = fold(code_run_log(AT))
    enqueue_followup(RunRef(deps, "t1", "r1"), state)
    assert isinstance(deps.queue, FakeQueue)
    [note] = [body for q, body, _, _ in deps.queue.tasks if q == Queue.NOTIFY]
    assert isinstance(note, NotifyTask)
    assert note.subject == "Run rolled back: Ten as a word" and note.text == ROLLED_BACK
    assert note.notification_id == "r1-rolled_back"
