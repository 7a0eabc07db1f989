"""Mail's thread answers, on the Firestore emulator and the Gmail sandbox: a member's question (a
subject beginning with "ask", as in Slack) queues one Ask however often it is pushed, answered within
her reach in the thread once; a run started by mail asks its approval in the thread with the run's
link to decide in the console, and tells its result there, each once; a reply in words decides and
starts nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.engine.services.followups import enqueue_followup
from shared.mail.domain.ask_task import MailAskTask
from shared.mail.domain.mailboxes import Mailbox
from shared.mail.services.asks import answer_in_thread
from shared.mail.services.intake import receive
from shared.mail.services.threads import MailThreads
from shared.notify.adapters.firestore_notifications import FirestoreNotificationLog
from shared.notify.domain.mail_threads import MailThread
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.notifications import deliver_notification
from shared.platform.topology import Queue
from shared.runs.domain.events import HumanRequested, PlannedStep, RunEvent, RunFinished, RunPlanned
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus, fold
from shared.runs.services.deps import RunRef
from shared.workspace.domain.tenants import address_hash
from shared.workspace.ports import TenantStore
from tests.support.engine.engine_fakes import make_deps
from tests.support.mail.mail_world import EDITOR, bearer, mail_world
from tests.support.mail.mails import AGENT, mail, push
from tests.support.memory.ask_reach import SALARY, citing_model, index_pages, reach_editor
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeQueue

__all__ = ["mail_world"]
pytestmark = pytest.mark.integration
CONSOLE = "http://127.0.0.1:8080"


def _push(world: dict[str, Any], history_id: str | int) -> dict[str, Any]:
    return receive(push(AGENT, int(history_id)), bearer(world), world["intake"])


def _deliver(world: dict[str, Any], task: NotifyTask, tenants: TenantStore) -> bool:
    intake = world["intake"]
    threads = MailThreads(lambda: intake.mailboxes, lambda: intake.gmail, intake.secrets, intake.reply_domain)
    notifier = ChannelDelivery(FirestoreNotificationLog(world["db"]), [threads], 60.0)
    return deliver_notification(task, notifier, tenants, FakeQueue(), console=CONSOLE).delivered


def _arrives(world: dict[str, Any], subject: str, text: str) -> tuple[Any, dict[str, Any]]:
    """Bo's mail to the agent, as sent and as the agent's inbox holds it."""
    sent = mail(EDITOR, subject, text)
    return sent, world["sandbox"].deliver(AGENT, sent)


def test_a_question_by_mail_is_asked_once_and_answered_in_its_thread_within_reach_once(
    mail_world: dict[str, Any],
) -> None:
    sandbox, queue = mail_world["sandbox"], mail_world["queue"]
    asked, record = _arrives(mail_world, "Ask: pricing", "What is the pricing plan and the salary?")
    answers = [_push(mail_world, record["historyId"]) for _ in range(3)]
    assert answers[0]["outcomes"] == ["asked"] and [a["result"] for a in answers[1:]] == ["duplicate"] * 2
    [(where, task, name, _)] = queue.tasks  # an Ask, not a run
    assert isinstance(task, MailAskTask) and where == Queue.PLAN and task.member_id == "m-bo"
    assert task.question == "pricing\n\nWhat is the pricing plan and the salary?"
    assert task.thread == MailThread(address_hash(AGENT), record["id"]).ref
    assert name == f"mail-ask:{mail_world['tenant'].tenant_id}:mail-{record['id']}"
    assert sandbox.sent(AGENT) == []  # no "on it": the answer is the reply
    # Answered as Ask within an editor's reach, over the Ask fakes' workspace (tenant t1).
    notion, store, embedder = FakeNotion(), FakePassages(), WordCountEmbedder()
    index_pages("t1", notion, embedder, store)
    deps = make_deps(model=citing_model(), notion=notion)._replace(memory=lambda: (embedder, store))
    _, editor = reach_editor(deps.need_tenants())
    mailbox = mail_world["intake"].mailboxes.get(AGENT)
    mail_world["intake"].mailboxes.put(mailbox.model_copy(update={"tenant_id": "t1"}))
    mine = task.model_copy(update={"tenant_id": "t1", "member_id": editor.member_id})
    assert [answer_in_thread(mine, deps)["answered"] for _ in range(2)] == [True, True]  # delivered twice
    assert isinstance(deps.queue, FakeQueue)
    [(_, note, _, _)] = deps.queue.tasks
    assert isinstance(note, NotifyTask) and note.channel == "mail_thread" and note.priority == "urgent"
    assert [_deliver(mail_world, note, deps.need_tenants()) for _ in range(3)] == [True, False, False]
    [_question, answer] = sandbox.thread(AGENT, record["threadId"])
    assert answer["In-Reply-To"] == asked["Message-ID"] and answer["Subject"] == "Re: Ask: pricing"
    words = answer.get_content()
    assert "Roadmap" in words and "nothing was changed" in words and SALARY not in words


def _run_log(world: dict[str, Any], record: dict[str, Any], *more: RunEvent) -> list[RunEvent]:
    steps = [PlannedStep(tool="request_approval", args={"summary": "archive 3 pages?"})]
    thread = MailThread(address_hash(AGENT), record["id"]).ref
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="tidy", trigger="api", steps=steps, thread=thread)
    return [head, *more]


def _thread_notes(world: dict[str, Any], run_id: str, log: list[RunEvent]) -> list[NotifyTask]:
    deps = make_deps()
    for _ in range(2):  # a follow-up delivered twice names the same tasks
        enqueue_followup(RunRef(deps, world["tenant"].tenant_id, run_id), fold(log))
    assert isinstance(deps.queue, FakeQueue)
    return [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask) and b.channel == "mail_thread"]


def test_a_run_by_mail_asks_its_approval_and_tells_its_result_in_the_thread_and_a_reply_decides_nothing(
    mail_world: dict[str, Any],
) -> None:
    sandbox, intake = mail_world["sandbox"], mail_world["intake"]
    asked, record = _arrives(mail_world, "Tidy Tasks", "Archive the done ones.")
    assert _push(mail_world, record["historyId"])["outcomes"] == ["started"]
    [(_, started, _, _)] = mail_world["queue"].tasks
    assert isinstance(started, PlanTask)
    assert started.trigger.thread == MailThread(address_hash(AGENT), record["id"]).ref  # the run's thread
    run_id = started.run_id
    request = HumanRequested(
        seq=2, at=datetime.now(UTC), request_id="e1", step=1, purpose="approval", prompt="Archive 3 pages?"
    )
    [approval] = _thread_notes(mail_world, run_id, _run_log(mail_world, record, request))
    assert approval.notification_id == f"{run_id}-e1-mail" and approval.priority == "urgent"
    tenants = intake.tenants
    assert [_deliver(mail_world, approval, tenants) for _ in range(3)] == [True, False, False]
    [_mail, _on_it, asking] = sandbox.thread(AGENT, record["threadId"])
    words = asking.get_content()
    assert asking["In-Reply-To"] == asked["Message-ID"] and "Archive 3 pages?" in words
    assert f"{CONSOLE}/#/runs/{run_id}" in words  # decided in the console, on the run's very request
    assert "/links#" not in words and "Approve:" not in words  # no link that decides by itself
    # Bo replies "Approve" in the thread: nothing is decided, nothing started, and he is told so once.
    reply = mail(EDITOR, "Re: Tidy Tasks", "Approve")
    reply["In-Reply-To"], reply["References"] = (
        asking["Message-ID"],
        f"{asked['Message-ID']} {asking['Message-ID']}",
    )
    answered = sandbox.deliver(AGENT, reply)
    assert _push(mail_world, answered["historyId"])["outcomes"] == ["reply"]
    assert _push(mail_world, answered["historyId"]) == {"result": "duplicate"}
    assert len(mail_world["queue"].tasks) == 1  # no run, no decision task
    told = [m for m in sandbox.thread(AGENT, record["threadId"]) if "decides nothing" in m.get_content()]
    assert len(told) == 1
    ended = RunFinished(seq=2, at=datetime.now(UTC), status=RunStatus.COMPLETED, summary="Archived 3 pages.")
    [end] = _thread_notes(mail_world, run_id, _run_log(mail_world, record, ended))
    assert [_deliver(mail_world, end, tenants) for _ in range(2)] == [True, False]
    last = sandbox.thread(AGENT, record["threadId"])[-1]
    assert "Archived 3 pages." in last.get_content() and last["In-Reply-To"] == asked["Message-ID"]
    assert len(sandbox.sent(AGENT)) == 4  # on it, the approval, the reply's answer, the result


def test_a_mailbox_of_another_workspace_or_gone_sends_nothing(mail_world: dict[str, Any]) -> None:
    sandbox, intake = mail_world["sandbox"], mail_world["intake"]
    record = sandbox.deliver(AGENT, mail(EDITOR, "Tidy Tasks", "now"))
    thread = MailThread(address_hash(AGENT), record["id"]).ref
    note = NotifyTask(
        notification_id="r1-completed-mail",
        tenant_id=mail_world["tenant"].tenant_id,
        subject="Run completed",
        text="done",
        channel="mail_thread",
        data={"mail_thread": thread},
    )
    mailbox: Mailbox = intake.mailboxes.get(AGENT)
    intake.mailboxes.put(mailbox.model_copy(update={"tenant_id": "someone-else"}))
    assert _deliver(mail_world, note, intake.tenants) is False
    assert sandbox.sent(AGENT) == []
