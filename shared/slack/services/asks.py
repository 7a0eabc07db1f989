"""An Ask asked in a Slack thread, answered there (``POST /slack-ask`` on plan, docs/slack.md), as
every thread's Ask is (shared.memory.services.thread_asks): within the asker's reach, citing its
sources, changing nothing, its answer in the thread once (notify's once-only delivery, decision 0205)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.memory.services.thread_asks import answer_thread_ask
from shared.notify.domain.slack_threads import THREAD_KEY, parse_thread
from shared.slack.domain.events import answered

if TYPE_CHECKING:
    from shared.runs.services.deps import Deps
    from shared.slack.domain.ask_task import SlackAskTask


def answer_in_thread(task: SlackAskTask, deps: Deps) -> dict[str, Any]:
    """Answer ``task``'s question as its asker's Ask and queue the answer for its thread (by name:
    once). ``{"answered": False}`` when the asker is no longer a member, the workspace is gone, or the
    thread is malformed: nothing is asked, nothing sent. The Ask's own errors propagate."""
    thread = parse_thread(task.thread)
    where = {THREAD_KEY: thread.ref} if thread is not None else None
    return answer_thread_ask(task, deps, channel="slack", where=where, said=answered)
