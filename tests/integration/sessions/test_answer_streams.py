"""A question's answer streamed (``POST /sessions/{id}/answers``, decisions 0178 and 0217) with the
sessions kept on the Firestore emulator: a stream cut after any event and resumed with
``Last-Event-ID`` gives every event once, in order, and asks the model nothing again; a resume while
the model still writes follows the pieces kept on the message; another person's session refuses the
stream before it starts, storing nothing of theirs."""

import threading
from typing import Any

import pytest

from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from tests.support.platform.fake_container import client
from tests.support.sessions.streams import Reader, frames
from tests.support.team.role_team import Team, call, team

pytestmark = pytest.mark.integration
QUESTION = {"text": "What does the roadmap say about the launch?", "request_id": "q1"}


def _on_the_emulator(db: Any) -> tuple[Team, FirestoreSessions]:
    people = team()
    store = FirestoreSessions(db)
    people.container.instance.built["sessions"] = store
    return people, store


def _ask(people: Team, role: str, sid: str, headers: dict[str, str]) -> Any:
    auth = {"Authorization": f"Bearer {people.sessions[role]}"}
    return client("api", people.container).post(
        f"/sessions/{sid}/answers", json=QUESTION, headers=headers | auth
    )


def test_an_answer_cut_after_any_event_resumes_without_a_gap_or_a_duplicate(firestore_db: Any) -> None:
    people, store = _on_the_emulator(firestore_db)
    _, made = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    whole = [f for f in frames(_ask(people, "editor", sid, {}).get_data(as_text=True)) if f[0] is not None]
    asked = len(people.container.model.prompts)
    assert asked >= 1 and [f[0] for f in whole] == list(range(1, len(whole) + 1))
    assert whole[0][1] == "accepted" and whole[-1][1] == "answer"
    for cut in range(1, len(whole)):
        resumed = frames(_ask(people, "editor", sid, {"Last-Event-ID": str(cut)}).get_data(as_text=True))
        assert whole[:cut] + [f for f in resumed if f[0] is not None] == whole, cut
    assert len(people.container.model.prompts) == asked  # the settled message answers each resume
    [kept] = store.messages("t1", made["member_id"], sid, 0, 10)
    assert kept.state == "answered" and kept.answer == whole[-1][2]["answer"]


def test_another_persons_session_refuses_the_stream_before_it_starts(firestore_db: Any) -> None:
    people, store = _on_the_emulator(firestore_db)
    _, theirs = call(people, "owner", "POST", "/sessions", json={"request_id": "k"})
    refused = _ask(people, "editor", theirs["session_id"], {})
    assert refused.status_code == 404 and refused.mimetype == "application/json"
    assert people.container.model.prompts == []
    assert store.messages("t1", theirs["member_id"], theirs["session_id"], 0, 10) == []


def test_a_resume_while_the_model_writes_follows_the_pieces_kept_on_the_emulator(firestore_db: Any) -> None:
    people, store = _on_the_emulator(firestore_db)
    hold = threading.Event()
    people.container.model.hold = hold  # its last piece waits for the test
    _, made = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    first = Reader(_ask(people, "editor", sid, {}))
    first.until("chunk")  # then the connection is lost
    resumed = Reader(_ask(people, "editor", sid, {"Last-Event-ID": "1"}))
    assert next(f[:2] for f in resumed.until("chunk") if f[0] is not None) == (2, "chunk")
    [kept] = store.messages("t1", made["member_id"], sid, 0, 10)
    assert kept.state == "received" and kept.pieces  # read from the emulator, the answer unfinished
    hold.set()
    whole = [f for f in first.until("end") if f[0] is not None]
    again = [f for f in resumed.until("end") if f[0] is not None]
    assert whole[:1] + again == whole and whole[-1][1] == "answer"
    [kept] = store.messages("t1", made["member_id"], sid, 0, 10)
    assert "".join(kept.pieces) == kept.answer == whole[-1][2]["answer"]
    assert [f[2]["text"] for f in whole if f[1] == "chunk"] == kept.pieces  # the same cut, the same ids
