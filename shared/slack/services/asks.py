"""An Ask asked in a Slack thread, answered there (``POST /slack-ask`` on plan, docs/slack.md), as
every thread's Ask is (shared.memory.services.thread_asks): within the asker's reach, citing its
sources, changing nothing, its answer in the thread once (notify's once-only delivery, decision 0205).
The thread is the asker's session (decision 0195): the question follows its Ask conversation and its
message is settled with the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.memory.services.thread_asks import answer_thread_ask
from shared.notify.domain.slack_threads import THREAD_KEY, parse_thread
from shared.platform.errors import AgentError, TooManyRequests, TransientError
from shared.sessions.services.sessions import settle_answer
from shared.slack.domain.events import answered

if TYPE_CHECKING:
    from shared.memory.services.ask import Answer
    from shared.runs.services.deps import Deps
    from shared.sessions.ports import SessionStore
    from shared.slack.domain.ask_task import SlackAskTask


def answer_in_thread(task: SlackAskTask, deps: Deps, sessions: SessionStore | None = None) -> dict[str, Any]:
    """Answer ``task``'s question as its asker's Ask and queue the answer for its thread (by name:
    once), its session's message (in ``sessions``) settled with it first. ``{"answered": False}``
    when the asker is no longer a member, the workspace is gone, or the thread is malformed: nothing
    is asked, nothing sent. The Ask's own errors propagate; one the queue will not ask again (no index,
    a budget spent) first fails the session's message with its reason, so its stream goes on."""
    thread = parse_thread(task.thread)
    where = {THREAD_KEY: thread.ref} if thread is not None else None
    tenant = deps.tenants.get(task.tenant_id) if deps.tenants is not None else None
    found = (
        sessions.session(task.tenant_id, task.member_id, task.session_id)
        if sessions and task.session_id
        else None
    )
    if tenant is None or sessions is None or found is None:
        return answer_thread_ask(task, deps, channel="slack", where=where, said=answered)
    store, session, kept = sessions, found, tenant

    def settle(got: Answer, conversation: str) -> None:
        settle_answer(deps.queue, store, kept, session, task.event_key, got=got, conversation=conversation)

    try:
        return answer_thread_ask(
            task, deps, channel="slack", where=where, said=answered,
            conversation_id=session.conversation_id or None, then=settle,
        )  # fmt: skip
    except (TransientError, TooManyRequests):
        raise  # the queue asks again: the message stays received meanwhile
    except AgentError as exc:  # asked of nobody: the message says why, and the session's stream goes on
        store.fail(task.tenant_id, task.member_id, session.session_id, task.event_key, state="failed",
                   reason=str(exc)[:300])  # fmt: skip
        raise
