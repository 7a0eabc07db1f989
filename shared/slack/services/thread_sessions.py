"""A Slack thread as a session (decision 0195): the thread (team, channel, thread ts) is one session
of each person who speaks in it, with the channel's agent (else the default), listed in their
console. Each of their messages there is recorded once under its event's key. It is then asked (answered in the thread by
plan), started as a run of the session, or given to the run the session started while that run has
not ended, as the api's ``steer`` does. Another person's message in the thread is theirs: their own
session, their own reach, never the first person's run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.sessions.domain.sessions import Act, Message, Session, session_id_for, thread_key
from shared.sessions.services.sessions import Said, act_on, receive_message

if TYPE_CHECKING:
    from shared.notify.domain.slack_threads import SlackThread
    from shared.runs.services.deps import Deps
    from shared.sessions.ports import SessionStore
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import TenantStore

AGENT = "default"  # the agent a Slack thread talks with unless its channel is another agent's
# What the thread is not given to act on: a steer with no run asking anything, a role's refusal.
REFUSED = (Conflict, Forbidden, InvalidInput, NotFound)


def thread_session(
    store: SessionStore, tenant_id: str, member: Member, thread: SlackThread, agent_id: str = AGENT
) -> Session:
    """``member``'s session of ``thread`` with ``agent_id`` (the channel's agent, else the default),
    opened by their first message there: every later message of theirs in it names the same one
    (``session_id_for`` of the thread's key); another person's, theirs."""
    session_id = session_id_for(member.member_id, agent_id, thread_key(thread.ref))
    made = Session(
        session_id, member.member_id, agent_id, datetime.now(UTC), origin="slack", thread=thread.ref
    )
    return store.open(tenant_id, made)


def act_of(deps: Deps, tenant_id: str, session: Session, question: str | None) -> Act:
    """What a message of the thread becomes: ``ask`` for a question; ``steer`` while the run the
    session started has not ended (one queued and not planned yet too: the steer says so, and
    nothing starts twice). Otherwise ``run``, the session's first or next run."""
    if question is not None:
        return "ask"
    if not session.run_id:
        return "run"
    run = deps.store.get_run(tenant_id, session.run_id)
    return "run" if run is not None and run.state.status.terminal else "steer"


@dataclass(frozen=True)
class ThreadMessage:
    """One message said in a Slack thread, to record in its person's session: its ``key`` (from the
    event: every delivery of it names the same message), its words, where it was said, its link."""

    tenant: Tenant
    member: Member
    thread: SlackThread
    key: str
    words: str
    question: str | None
    rule: str
    link: str
    agent_id: str = AGENT  # the agent whose ``slack_channels`` hold the thread's channel, else the default


def record_and_act(
    deps: Deps, store: SessionStore, tenants: TenantStore, said: ThreadMessage
) -> tuple[Session, Message]:
    """The message recorded once in its person's session of the thread and, unless it is a question
    (queued by the caller) or an earlier delivery settled it, started as a run or given to the
    session's run. A run or steer refused (nothing asked, a role's limit) is the message failed with
    the reason, returned, not raised: the thread is told it."""
    tenant_id = said.tenant.tenant_id
    session = thread_session(store, tenant_id, said.member, said.thread, said.agent_id)
    act = act_of(deps, tenant_id, session, said.question)
    text = said.question if said.question is not None else said.words
    session, message, new = receive_message(
        store, tenant_id, said.member, session.session_id, text=text, act=act, key=said.key
    )
    if message.act == "ask" or (not new and message.state != "received"):
        return session, message
    heard = Said(said.tenant, said.member, session, message, [], where=(said.rule, said.link))
    try:
        return session, act_on(deps, store, tenants, heard, via="slack")
    except REFUSED:
        failed = store.messages(tenant_id, said.member.member_id, session.session_id, message.place - 1, 1)
        return session, failed[0]
