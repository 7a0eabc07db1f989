"""Sessions' Firestore store on the emulator: a create's key opens one session, a message delivered
twice is one message in one place, another person's id reads nothing of a session, and a
transaction Firestore aborts at a read (its lock timeout under contention) is made again."""

from datetime import UTC, datetime
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud.firestore_v1.document import DocumentReference

from shared.platform.errors import TransientError
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


def _abort_reads(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """The first ``times`` reads in a transaction abort, as the emulator's lock timeout does."""
    aborted: list[int] = []
    real = DocumentReference.get

    def get(self: DocumentReference, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("transaction") is not None and len(aborted) < times:
            aborted.append(1)
            raise gexc.Aborted("Transaction lock timeout.")  # type: ignore[no-untyped-call]  # google-api-core: unannotated
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DocumentReference, "get", get)
    return aborted


def test_a_read_aborted_by_contention_makes_the_transaction_again(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FirestoreSessions(firestore_db)
    store.open("t1", Session("s1", "ada", "writer", T0))
    aborted = _abort_reads(monkeypatch, times=2)
    message, new = store.receive("t1", "ada", "s1", key="k1", text="Draft it", act="run", now=T0)
    assert len(aborted) == 2 and new and message.place == 1
    found = store.session("t1", "ada", "s1")
    assert found is not None and found.count == 1  # made again, counted once


def test_a_transaction_aborted_every_time_is_a_transient_error(
    firestore_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FirestoreSessions(firestore_db)
    store.open("t1", Session("s1", "ada", "writer", T0))
    _abort_reads(monkeypatch, times=100)
    with pytest.raises(TransientError, match="written too often"):
        store.receive("t1", "ada", "s1", key="k1", text="Draft it", act="run", now=T0)
    monkeypatch.undo()
    assert store.messages("t1", "ada", "s1", 0, 10) == []  # nothing of it kept


def test_the_bodys_own_error_is_not_taken_for_contention(firestore_db: Any) -> None:
    from shared.platform.adapters.firestore_docs import in_transaction

    calls: list[int] = []

    def body(transaction: Any) -> None:
        calls.append(1)
        raise ValueError("not a valid message")  # as a model's validation error is

    with pytest.raises(ValueError, match="not a valid message"):
        in_transaction(firestore_db, body, what="a test")
    assert calls == [1]  # not made again, not a TransientError
