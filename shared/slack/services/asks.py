"""An Ask asked in a Slack thread, answered there (``POST /slack-ask`` on plan, docs/slack.md). The
question is answered as the console's Ask is (``ask_in_conversation``: within the asker's reach, citing
its sources, changing nothing). The answer goes in the thread as a notification of its own, named by
the Slack event: a task delivered twice may ask twice, but the thread gets one answer (notify's
once-only delivery, decision 0205)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shared.memory.services.ask import ask_in_conversation
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import THREAD_KEY, parse_thread
from shared.platform.topology import Queue
from shared.slack.domain.events import answered

if TYPE_CHECKING:
    from shared.runs.services.deps import Deps
    from shared.slack.domain.ask_task import SlackAskTask

log = logging.getLogger(__name__)


def answer_in_thread(task: SlackAskTask, deps: Deps) -> dict[str, Any]:
    """Answer ``task``'s question as its asker's Ask and queue the answer for its thread (by name:
    once). ``{"answered": False}`` when the asker is no longer a member, the workspace is gone, or the
    thread is malformed: nothing is asked, nothing sent. The Ask's own errors propagate (a budget spent,
    the index missing), so the queue retries or gives up as for any task."""
    tenant = deps.tenants.get(task.tenant_id) if deps.tenants is not None else None
    member = tenant.member(task.member_id) if tenant is not None else None
    thread = parse_thread(task.thread)
    if tenant is None or member is None or thread is None:
        log.info("slack ask %s answered nowhere: its asker or workspace is gone", task.event_key)
        return {"answered": False}
    got, _ = ask_in_conversation(deps, tenant, member, task.question, None)
    note = NotifyTask(
        notification_id=f"{task.event_key}-answer-slack",
        tenant_id=task.tenant_id,
        subject="Answer",
        text=answered(got.text)[:20_000],
        channel="slack",
        priority="urgent",  # the person who asked is waiting in the thread
        data={THREAD_KEY: thread.ref},
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{task.tenant_id}:{note.notification_id}")
    return {"answered": True, "cited": len(got.cited)}
