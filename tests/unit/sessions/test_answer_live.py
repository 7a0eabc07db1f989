"""An answer streamed as the model writes it (``POST /sessions/{id}/answers``,
shared/sessions/services/answer_stream.py): its first chunk reaches the client while the model is
still writing (the offline model holds its last piece until the test releases it: no timing), and a
resume in the middle of the answer, from what was kept on the message, gives every event once with
the same ids."""

import threading
from typing import Any

import pytest

from shared.platform.domain.model_calls import ModelUsage
from shared.platform.errors import UnusableReply
from shared.sessions.domain.sessions import Message
from shared.sessions.services.answer_stream import FAILED
from tests.support.sessions.asking import _asking
from tests.support.sessions.streams import Reader
from tests.support.team.role_team import call, team


def _said(people: Any) -> list[Message]:
    """Every message kept in the only session of the team's workspace."""
    kept: dict[Any, dict[str, Message]] = people.container.sessions.sessions.said
    return [m for said in kept.values() for m in said.values()]


def _held() -> tuple[threading.Event, Any, Any]:
    people = team()
    hold = threading.Event()
    people.container.model.hold = hold
    _, ask = _asking(people)
    return hold, people, ask


def test_the_first_chunk_reaches_the_client_before_the_model_has_finished() -> None:
    hold, people, ask = _held()
    stream = Reader(ask("q1", {}))
    early = stream.until("chunk")
    assert [f[1] for f in early][:2] == ["accepted", "chunk"] and early[1][0] == 2
    assert not any(f[1] == "answer" for f in early)
    [message] = _said(people)
    assert message.state == "received" and message.answer == ""  # the model still holds its last piece
    hold.set()
    whole = stream.until("end")
    sent = [f for f in whole if f[0] is not None]
    assert [f[0] for f in sent] == list(range(1, len(sent) + 1))
    assert sent[-1][1] == "answer" and whole[-1][1] == "end"
    answer = sent[-1][2]["answer"]
    assert "".join(f[2]["text"] for f in sent if f[1] == "chunk") == answer  # the text whole, once
    assert len(people.container.model.prompts) >= 1


def test_a_resume_in_the_middle_of_an_answer_gives_every_event_once_with_the_same_ids() -> None:
    hold, people, ask = _held()
    first = Reader(ask("q1", {}))
    first.until("chunk")  # then the connection is lost
    resumed = Reader(ask("q1", {"Last-Event-ID": "1"}))
    mid = resumed.until("chunk")  # from the pieces kept on the message, the model still writing
    assert next(f[:2] for f in mid if f[0] is not None) == (2, "chunk")
    assert _said(people)[0].state == "received"  # read from what was kept, the answer still written
    asked = len(people.container.model.prompts)
    hold.set()
    whole = [f for f in first.until("end") if f[0] is not None]
    again = [f for f in resumed.until("end") if f[0] is not None]
    assert whole[:1] + again == whole  # no gap, no duplicate, the same ids and texts
    assert whole[-1][1] == "answer" and len(people.container.model.prompts) == asked
    late = Reader(ask("q1", {"Last-Event-ID": str(len(whole) - 2)}))
    assert [f for f in late.until("end") if f[0] is not None] == whole[-2:]


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (UnusableReply("the answer did not match AskOut", ModelUsage("fake", 1, 1, 0.0)), "did not match"),
        (RuntimeError("a bug of ours"), FAILED),  # not ours to show: the reason said in general
    ],
)
def test_an_answer_that_fails_beside_its_stream_ends_it_failed_and_kept(error: Exception, said: str) -> None:
    people = team()
    people.container.model.script["AskOut"] = [error]
    _, ask = _asking(people)
    whole = Reader(ask("q1", {})).until("end")
    assert [f[1] for f in whole] == ["accepted", "failed", "end"] and said in whole[1][2]["reason"]
    assert "a bug of ours" not in str(whole)
    [message] = _said(people)
    assert message.state == "failed"  # a resume answers it as kept, asking nothing again
    assert [f[1] for f in Reader(ask("q1", {"Last-Event-ID": "1"})).until("end")] == ["failed", "end"]


def test_a_one_block_repeat_of_a_question_its_stream_is_answering_asks_nothing_twice() -> None:
    hold, people, ask = _held()
    stream = Reader(ask("q1", {}))
    stream.until("chunk")
    sid = next(iter(people.container.sessions.sessions.said))[2]
    body = {"text": "What does the roadmap say?", "act": "ask", "request_id": "q1"}
    status, said = call(people, "editor", "POST", f"/sessions/{sid}/messages", json=body)
    assert status == 409 and "still being answered" in said["reason"]
    asked = len(people.container.model.prompts)
    hold.set()
    whole = [f for f in stream.until("end") if f[0] is not None]
    status, said = call(people, "editor", "POST", f"/sessions/{sid}/messages", json=body)
    assert status == 200 and said["answer"] == whole[-1][2]["answer"]  # as settled, once
    assert len(people.container.model.prompts) == asked
    assert [f[2]["text"] for f in whole if f[1] == "chunk"] == _said(people)[0].pieces  # its ids hold
