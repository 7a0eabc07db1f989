"""Sessions' Firestore store on the emulator: a create's key opens one session, a message delivered
twice is one message in one place, and another person's id reads nothing of a session."""

from datetime import UTC, datetime
from typing import Any

from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.sessions.domain.sessions import Session

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_one_session_one_message_per_key_and_none_for_another_person(firestore_db: Any) -> None:
    store = FirestoreSessions(firestore_db)
    made = Session("s1", "ada", "writer", T0)
    assert store.open("t1", made).session_id == "s1"
    assert store.open("t1", Session("s1", "ada", "other", T0)).agent_id == "writer"  # the first, unchanged
    first, new = store.receive("t1", "ada", "s1", key="k1", text="Draft it", act="run", now=T0)
    again, repeat = store.receive("t1", "ada", "s1", key="k1", text="Draft it", act="run", now=T0)
    assert (new, repeat) == (True, False) and first.place == again.place == 1
    second, _ = store.receive("t1", "ada", "s1", key="k2", text="Also the owner", act="ask", now=T0)
    assert second.place == 2
    settled = store.settle("t1", "ada", "s1", "k1", state="started", run_id="sess-1")
    assert (settled.state, settled.run_id) == ("started", "sess-1")
    found = store.session("t1", "ada", "s1")
    assert found is not None and (found.count, found.run_id) == (2, "sess-1")
    assert [m.key for m in store.messages("t1", "ada", "s1", 0, 10)] == ["k1", "k2"]
    assert store.session("t1", "carol", "s1") is None and store.session("t2", "ada", "s1") is None
    assert [s.session_id for s in store.sessions("t1", "ada", None, 10)] == ["s1"]
    assert store.sessions("t1", "carol", None, 10) == []
