"""A person's sessions with an agent: opening one, and each message answered from the workspace as
Ask (within the person's reach, ``ask_in_conversation``) or turned into a run of the session's agent.
Every create is idempotent: the same key names the same session, the same message and the same run
(named from the session and the key, planned once however often the message is delivered)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from shared.memory.services.ask import ask_in_conversation
from shared.platform.errors import AgentError, Conflict, NotFound
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.runs import check_usable
from shared.sessions.domain.sessions import (
    Act,
    Message,
    Session,
    being_answered,
    goal_with_history,
    run_id_for,
    session_id_for,
)
from shared.sessions.domain.streams import whole_pieces
from shared.sessions.services.message_hooks import told
from shared.workspace.domain.members import Member
from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:  # the ports' protocols, for type checking only
    from shared.memory.services.ask import Answer
    from shared.platform.ports import TaskQueue
    from shared.runs.services.deps import Deps
    from shared.sessions.ports import SessionStore
    from shared.workspace.ports import TenantStore

type Via = Literal["session", "key", "slack"]  # how the person said it, recorded with a steer's decision

NOT_YOURS = "no session of yours has this id"
ANSWERING = (
    "this request_id's question is still being answered: follow its stream (POST "
    "/sessions/{session_id}/answers with Last-Event-ID) or send it again in a moment"
)


def open_session(store: "SessionStore", tenant_id: str, member: Member, agent_id: str, key: str) -> Session:
    """The person's session with ``agent_id`` that ``key`` names, opened once."""
    session_id = session_id_for(member.member_id, agent_id, key)
    made = Session(session_id, member.member_id, agent_id, datetime.now(UTC))
    return store.open(tenant_id, made)


def session_of(store: "SessionStore", tenant_id: str, member: Member, session_id: str) -> Session:
    """The person's own session; NotFound for any other (another person's says no more)."""
    found = store.session(tenant_id, member.member_id, session_id)
    if found is None:
        raise NotFound(NOT_YOURS)
    return found


def post_message(
    deps: "Deps",
    store: "SessionStore",
    tenants: "TenantStore",
    tenant: Tenant,
    member: Member,
    *,
    session_id: str,
    text: str,
    act: Act,
    key: str,
    via: Via = "session",
) -> Message:
    """The message of ``key`` in the person's session, answered (``ask``) or turned into a run of its
    agent (``run``). A repeat of the key answers the message as recorded, acting again only if it was
    never settled (a crash between); the run it starts is named by the session and the key, so the
    repeat plans no second run. A question another request is still answering is a Conflict (asked
    once). A failure is recorded on the message (its reason) and raised."""
    session, message, new = receive_message(
        store, tenant.tenant_id, member, session_id, text=text, act=act, key=key
    )
    if not new and message.state != "received":
        return message
    if not new and being_answered(message, datetime.now(UTC)):  # by its stream, beside: never twice
        raise Conflict(ANSWERING)
    return act_on(deps, store, tenants, Said(tenant, member, session, message, []), via=via)


def receive_message(
    store: "SessionStore", tenant_id: str, member: Member, session_id: str, *, text: str, act: Act, key: str
) -> tuple[Session, Message, bool]:
    """The person's session and the message of ``key`` in it, recorded once (received): also whether
    this call added it. NotFound for a session not theirs; nothing is acted on yet (:func:`act_on`)."""
    session = session_of(store, tenant_id, member, session_id)
    message, new = store.receive(
        tenant_id, member.member_id, session_id, key=key, text=text, act=act, now=datetime.now(UTC)
    )
    return session, message, new


def act_on(
    deps: "Deps",
    store: "SessionStore",
    tenants: "TenantStore",
    said: "Said",
    *,
    via: Via,
    live: "Given | None" = None,
) -> Message:
    """The received message answered (``ask``), turned into a run (``run``) or given to the session's
    run (``steer``), and settled so; a failure is recorded on the message (its reason) and raised.
    ``live``: an answer's text given to it as it is written, and its pieces kept on the message."""
    tenant, member, session, message = said.tenant, said.member, said.session, said.message
    t, m, session_id, key = tenant.tenant_id, member.member_id, session.session_id, message.key
    try:
        if message.act == "ask":
            got, conversation = ask_in_conversation(
                deps,
                tenant,
                member,
                message.text,
                session.conversation_id or None,
                on_text=live.add if live is not None else None,
            )
            pieces = whole_pieces(live.given(), got.text) if live is not None else []
            settled = store.settle(t, m, session_id, key, state="answered", answer=got.text, cited=got.cited,
                                   conversation_id=conversation, pieces=pieces)  # fmt: skip
            return told(deps.queue, tenant, session, settled)
        said = replace(said, earlier=store.messages(t, m, session_id, 0, message.place - 1))
        if message.act == "steer":
            run_id, did = steer(deps, tenants, said, via=via)
            settled = store.settle(t, m, session_id, key, state="steered", run_id=run_id, answer=did)
            return told(deps.queue, tenant, session, settled)
        run_id = _start_run(deps.queue, tenants, said)
        return told(
            deps.queue, tenant, session, store.settle(t, m, session_id, key, state="started", run_id=run_id)
        )
    except AgentError as exc:
        given = {"pieces": live.given()} if live is not None else {}
        # Only a message still received: a repeat delivered at once may have settled it meanwhile (a
        # steer's run already moved on by that repeat), and it stays as that one settled it.
        failed = store.fail(t, m, session_id, key, state="failed", reason=str(exc)[:300], **given)
        if failed.state != "failed":
            return failed
        told(deps.queue, tenant, session, failed)
        raise


def settle_answer(
    queue: "TaskQueue",
    store: "SessionStore",
    tenant: Tenant,
    session: Session,
    key: str,
    *,
    got: "Answer",
    conversation: str,
) -> Message:
    """The session's question of ``key``, answered by another way in (a Slack thread's Ask, on plan),
    settled with ``got`` and the Ask ``conversation`` the session follows, its event told."""
    settled = store.settle(
        tenant.tenant_id, session.member_id, session.session_id, key,
        state="answered", answer=got.text, cited=got.cited, conversation_id=conversation,
    )  # fmt: skip
    return told(queue, tenant, session, settled)


class Given(Protocol):
    """Where an answer's text goes as it is written (``shared.sessions.services.answer_stream.Live``)."""

    def add(self, text: str) -> None:
        """One more piece of the answer's text, in order."""
        ...

    def given(self) -> list[str]:
        """The pieces added so far, in order."""
        ...


@dataclass(frozen=True)
class Said:
    """A message in its session: who said it, in which workspace, and the messages ``earlier``."""

    tenant: Tenant
    member: Member
    session: Session
    message: Message
    earlier: list[Message]
    # A Slack thread's message: where it was said in words and its permalink (its run's trigger's).
    where: tuple[str, str] = ("", "")


def _start_run(queue: "TaskQueue", tenants: "TenantStore", said: Said) -> str:
    """Queue the planning of the session's agent's run of the message (its goal carries the bounded
    history), with the person's reach, named so a repeat is the same task and the same run. A Slack
    thread's session's run answers in its thread (its questions, approvals and result)."""
    tenant, member, session, message = said.tenant, said.member, said.session, said.message
    check_usable(tenant.tenant_id, tenants)
    run_id = run_id_for(session.session_id, message.key)
    people, reach = [member.notion_user_id] if member.notion_user_id else [], tenant.owner_reach(member.role)
    rule, link = said.where
    trigger = Trigger(kind="api", by_owner=reach, people=people, rule=rule, thread=session.thread, link=link)
    goal = goal_with_history(message.text, said.earlier)
    task = PlanTask(
        tenant_id=tenant.tenant_id, run_id=run_id, trigger=trigger, goal=goal, agent_id=session.agent_id
    )
    queue.enqueue(Queue.PLAN, task, f"plan:{tenant.tenant_id}:{run_id}")
    return run_id


def steer(deps: "Deps", tenants: "TenantStore", said: Said, *, via: Via) -> tuple[str, str]:
    """The message taken by the session's latest run as a follow-up the engine already takes (decision
    0169). A run asking a question gets it as its answer. A run asking an approval gets it as a
    rejection with its words, and is planned again with them. The engine's own replanning does it when its
    plan says so, else a new run of the session's agent whose goal carries the history. Each is
    decided as the person, held to their role as any decision. Conflict (nothing done) when no run of
    the session is asking anything. Returns the run that now carries the message, and what was done."""
    from shared.engine.services.humans import ANSWERED, respond

    tenant, member, session, message = said.tenant, said.member, said.session, said.message
    t, run_id = tenant.tenant_id, session.run_id
    run = deps.store.get_run(t, run_id) if run_id else None
    if run is None:
        raise Conflict("no run of this session is going yet: send the message as a run (act: run)")
    state, waiting = run.state, run.state.waiting
    if state.status.terminal:
        raise Conflict(
            f"run {run_id} has ended ({state.status.value}): send the message as a run (act: run) to start another"
        )
    if state.status != RunStatus.WAITING_FOR_HUMAN or waiting is None:
        raise Conflict(
            f"run {run_id} is {state.status.value}: it takes a message when it asks something (a question or "
            "an approval); pause or cancel it from its page meanwhile",
            retry_after_s=10,
        )
    asked = waiting.request_id
    if waiting.purpose in ANSWERED:
        respond(
            deps,
            t,
            run_id,
            "answer",
            text=message.text,
            via=via,
            request_id=asked,
            role=member.role,
            by=member,
        )
        return run_id, f"answered what run {run_id} asked ({asked})"
    after = respond(
        deps, t, run_id, "reject", text=message.text, via=via, request_id=asked, role=member.role, by=member
    )
    if after.replanned_as:
        return after.replanned_as, f"rejected request {asked} of run {run_id}: planned again with it"
    again = _start_run(deps.queue, tenants, said)
    return again, f"rejected request {asked} of run {run_id}: a new run {again} takes it"
