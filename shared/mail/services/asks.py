"""An Ask asked by mail, answered in its thread (``POST /mail-ask`` on plan, docs/mail.md), as every
thread's Ask is (shared.memory.services.thread_asks, as Slack's): within the asker's reach, citing its
sources, changing nothing. The answer goes in the mail thread once: notify's once-only delivery
(decision 0205) and the reply's key found in the thread (services/threads.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.memory.services.thread_asks import answer_thread_ask
from shared.notify.domain.mail_threads import MAIL_THREAD_CHANNEL, MAIL_THREAD_KEY, parse_mail_thread

if TYPE_CHECKING:
    from shared.mail.domain.ask_task import MailAskTask
    from shared.runs.services.deps import Deps

ANSWERED = "{answer}\n\nAsked of the workspace within your reach; nothing was changed."


def answer_in_thread(task: MailAskTask, deps: Deps) -> dict[str, Any]:
    """Answer ``task``'s question as its asker's Ask and queue the answer for its mail thread (by
    name: once). ``{"answered": False}`` when the asker is no longer a member, the workspace is gone,
    or the thread is malformed: nothing is asked, nothing sent. The Ask's own errors propagate."""
    thread = parse_mail_thread(task.thread)
    where = {MAIL_THREAD_KEY: thread.ref} if thread is not None else None
    return answer_thread_ask(
        task,
        deps,
        channel=MAIL_THREAD_CHANNEL,
        where=where,
        said=lambda text: ANSWERED.format(answer=text.strip()),
    )
