"""Ask in a Slack thread: a request beginning with "ask" is a question, answered as the console's Ask
within the asker's reach with its sources, in the thread once however often its task is delivered."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.memory.services import ask
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import SlackThread
from shared.notify.services.channels import SlackMessages
from shared.platform.errors import InvalidInput
from shared.platform.topology import Queue
from shared.slack.domain import ask_task
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import question_of, request_text
from shared.slack.services.asks import answer_in_thread
from shared.slack.services.thread_sessions import thread_session
from shared.workspace.domain.integrations import Integration, chat_token_secret
from tests.support.engine.engine_fakes import make_deps
from tests.support.memory.ask_reach import SALARY, WITHIN, citing_model, index_pages, reach_editor
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notify.notify_fakes import FakeChat
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.sessions.session_fakes import FakeSessions

THREAD = SlackThread("T00000001", "C00000001", "1767600000.000100")
NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("<@U0BOT> ask what did we decide on pricing?", "what did we decide on pricing?"),
        ("<@U0BOT> Ask: who owns the launch", "who owns the launch"),
        ("<@U0BOT> ASK, is it done", "is it done"),
        ("<@U0BOT> what did we decide on pricing?", None),  # asked as work: a run (the console's choice too)
        ("<@U0BOT> asking the team for input", None),  # "ask" is a word of its own
        ("<@U0BOT> ask", None),  # nothing asked: the run's "empty" answer
        ("archive the tasks", None),
    ],
)
def test_a_request_beginning_with_ask_is_a_question(said: str, question: str | None) -> None:
    assert question_of(request_text(said)) == question


def test_a_question_holds_within_asks_own_bound() -> None:
    assert ask_task.QUESTION_CHARS == ask.QUESTION_CHARS


def _asking() -> tuple[Any, Any]:
    notion = FakeNotion()
    store, embedder = FakePassages(), WordCountEmbedder()
    index_pages("t1", notion, embedder, store)
    deps = make_deps(model=citing_model(), notion=notion)._replace(memory=lambda: (embedder, store))
    _, editor = reach_editor(deps.need_tenants())
    return deps, editor


def test_an_editors_question_is_answered_in_the_thread_within_her_reach_once() -> None:
    deps, editor = _asking()
    task = SlackAskTask(
        tenant_id="t1",
        member_id=editor.member_id,
        event_key="slack-Ev0001",
        thread=THREAD.ref,
        question="What is the pricing plan and the salary?",
    )
    assert [answer_in_thread(task, deps)["answered"] for _ in range(2)] == [True, True]  # delivered twice
    assert isinstance(deps.queue, FakeQueue)
    [(queue, note, name, _)] = deps.queue.tasks  # one answer queued: the second is refused by its name
    assert isinstance(note, NotifyTask) and queue == Queue.NOTIFY
    assert name == "notify:t1:slack-Ev0001-answer-slack" and note.priority == "urgent"
    assert note.channel == "slack" and note.data == {"slack_thread": THREAD.ref}
    assert {"Roadmap"} == WITHIN and "Roadmap" in note.text  # its sources, within her reach
    assert SALARY not in note.text and "Salaries" not in note.text and "Board notes" not in note.text
    tenant = deps.need_tenants().get("t1")
    assert tenant is not None
    chat = FakeChat(token="xoxb-t1")
    slack = SlackMessages(chat, FakeSecrets({chat_token_secret("t1"): "xoxb-t1"}))
    connected = tenant.model_copy(update={"integrations": (Integration.SLACK,)})
    assert slack.unable(note, connected) is None
    ts = slack.send(note, connected)
    [(posted, text)] = chat.messages[f"{THREAD.channel}/{THREAD.ts}"]  # a reply in the thread only
    assert posted == ts and "Roadmap" in text and "nothing was changed" in text
    assert chat.blocks == {}  # an answer has no buttons


def test_a_question_of_someone_no_longer_a_member_is_answered_nowhere() -> None:
    deps, _ = _asking()
    task = SlackAskTask(
        tenant_id="t1", member_id="m-gone", event_key="slack-Ev0002", thread=THREAD.ref, question="q?"
    )
    assert answer_in_thread(task, deps) == {"answered": False}
    assert isinstance(deps.queue, FakeQueue) and deps.queue.tasks == []


def test_post_slack_ask_on_plan_answers_and_a_bad_body_is_a_dead_letter() -> None:
    fakes = FakeContainer()
    app = client("plan", fakes)
    bad = app.post("/slack-ask", json={"tenant_id": "t1", "member_id": "m1", "event_key": "slack-Ev1"})
    assert bad.status_code == 200 and "dead_letter" in json_body(bad) and "thread" in json_body(bad)["reason"]
    body = {
        "tenant_id": "t1",
        "member_id": "m-gone",
        "event_key": "slack-Ev1",
        "thread": THREAD.ref,
        "question": "q?",
    }
    gone = app.post("/slack-ask", json=body)
    assert gone.status_code == 200 and json_body(gone) == {"answered": False}  # no such member: nothing asked
    assert not fakes.queue.tasks


def test_a_question_in_a_threads_session_settles_its_message_and_follows_its_conversation() -> None:
    deps, editor = _asking()
    sessions = FakeSessions()
    tenant = deps.need_tenants().get("t1")
    assert tenant is not None
    session = thread_session(sessions, "t1", editor, THREAD)
    asked = []
    for n, question in enumerate(("What is the pricing plan?", "And who owns the roadmap?")):
        key = f"slack-Ev000{n}"
        sessions.receive(
            "t1", editor.member_id, session.session_id, key=key, text=question, act="ask", now=NOW
        )
        task = SlackAskTask(
            tenant_id="t1", member_id=editor.member_id, event_key=key, thread=THREAD.ref,
            question=question, session_id=session.session_id,
        )  # fmt: skip
        assert answer_in_thread(task, deps, sessions)["answered"]
        asked.append(sessions.session("t1", editor.member_id, session.session_id))
    said = sessions.messages("t1", editor.member_id, session.session_id, 0, 10)
    assert [(m.act, m.state) for m in said] == [("ask", "answered"), ("ask", "answered")]
    assert "Roadmap" in said[0].answer and SALARY not in said[0].answer and said[0].cited
    first, second = asked
    assert first is not None and second is not None
    assert first.conversation_id and second.conversation_id == first.conversation_id  # one conversation


def test_a_question_asked_of_nobody_fails_its_session_message_with_the_reason() -> None:
    deps, editor = _asking()
    deps = deps._replace(memory=None)  # a deployment without the workspace's index
    sessions = FakeSessions()
    session = thread_session(sessions, "t1", editor, THREAD)
    sessions.receive(
        "t1", editor.member_id, session.session_id, key="slack-Ev0009", text="Who?", act="ask", now=NOW
    )
    task = SlackAskTask(
        tenant_id="t1", member_id=editor.member_id, event_key="slack-Ev0009", thread=THREAD.ref,
        question="Who?", session_id=session.session_id,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        answer_in_thread(task, deps, sessions)
    [said] = sessions.messages("t1", editor.member_id, session.session_id, 0, 10)
    assert (said.state, said.reason) == ("failed", "this deployment has no workspace index")
