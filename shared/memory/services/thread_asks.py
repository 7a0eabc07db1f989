"""An Ask asked in a thread of a way in (Slack's, mail's), answered as the console's Ask is
(``ask_in_conversation``: within the asker's reach, citing its sources, changing nothing). The answer
goes to the thread as a notification of its own, named by what asked: a task delivered twice may ask
twice, but the thread gets one answer (notify's once-only delivery, decision 0205)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.memory.services.ask import ask_in_conversation
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue

if TYPE_CHECKING:
    from shared.memory.domain.thread_ask import ThreadAsk
    from shared.memory.services.ask import Answer
    from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)


def answer_thread_ask(
    task: ThreadAsk,
    deps: Deps,
    *,
    channel: str,
    where: dict[str, str] | None,
    said: Callable[[str], str],
    conversation_id: str | None = None,
    then: Callable[[Answer, str], None] | None = None,
) -> dict[str, Any]:
    """Answer ``task``'s question as its asker's Ask and queue the answer (``said`` of its text) on
    ``channel`` for the thread ``where`` names (``<event_key>-answer-<channel's way in>``, by name:
    once). ``{"answered": False}`` when the asker is no longer a member, the workspace is gone, or
    the thread is malformed (``where`` None): nothing is asked, nothing sent. The Ask's own errors
    propagate (a budget spent, the index missing), so the queue retries or gives up as for any task.
    ``conversation_id``: the Ask conversation the question follows (a session's); ``then``: given the
    answer and its conversation before the answer is queued (a session's message settled with it)."""
    tenant = deps.tenants.get(task.tenant_id) if deps.tenants is not None else None
    member = tenant.member(task.member_id) if tenant is not None else None
    if tenant is None or member is None or where is None:
        log.info("thread ask %s answered nowhere: its asker or workspace is gone", task.event_key)
        return {"answered": False}
    got, conversation = ask_in_conversation(deps, tenant, member, task.question, conversation_id)
    if then is not None:
        then(got, conversation)
    note = NotifyTask(
        notification_id=f"{task.event_key}-answer-{channel.partition('_')[0]}",
        tenant_id=task.tenant_id,
        subject="Answer",
        text=said(got.text)[:20_000],
        channel=channel,
        priority="urgent",  # the person who asked is waiting in the thread
        data=where,
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{task.tenant_id}:{note.notification_id}")
    return {"answered": True, "cited": len(got.cited)}
