"""A reply in a channel's thread that does not mention the app (decision 0201): taken only in a thread
the app is part of (one with a session). A person with a session there speaks in it, as by a mention.
Anyone else's reply while a run of the thread waits for a question answers it if their role may answer
it (``humans.respond``, as a Runs row's comment); otherwise the thread is told it answered nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.engine.services import humans
from shared.notify.domain.notifications import console_run_url
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.state import RunStatus
from shared.runs.services import runs
from shared.slack.domain.events import NOT_YOURS_TO_ANSWER, not_taken, question_answered
from shared.team.services import audit

if TYPE_CHECKING:
    from shared.runs.domain.state import Run
    from shared.runs.services.deps import Deps
    from shared.sessions.domain.sessions import Session
    from shared.sessions.ports import SessionStore
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant

THREAD_SESSIONS = 50  # the sessions of one thread read to find its runs (each person who spoke there)

type Outcome = tuple[str, str, dict[str, str]]  # (result, what the thread is told, more)


def thread_sessions(store: SessionStore, tenant_id: str, thread: str) -> list[Session]:
    """The sessions of ``thread`` (its ref): none when the app is not part of it."""
    return store.in_thread(tenant_id, thread, THREAD_SESSIONS)


def has_session(sessions: list[Session], member: Member | None) -> bool:
    """Whether ``member`` spoke to the app in the thread before (a session of theirs there)."""
    return member is not None and any(s.member_id == member.member_id for s in sessions)


@dataclass(frozen=True)
class Reply:
    """A reply in a thread with sessions: by whom (None: nobody of the team), its words, whether an
    earlier delivery of it may have acted (its ledger record was there, unmarked)."""

    tenant: Tenant
    member: Member | None
    words: str
    sessions: list[Session]
    thread: str
    again: bool


def answer_question(reply: Reply, deps: Deps, console_url: str) -> Outcome | None:
    """The reply, from someone without a session in the thread, as the answer to the question a run
    of the thread waits for: recorded once through ``humans.respond`` with their role (Forbidden:
    the thread told it answered nothing). None when no run of the thread waits for a question
    (nothing to answer: the reply is not the app's) or the reply has no words."""
    tenant_id = reply.tenant.tenant_id
    if reply.again and reply.member is not None:
        before = _answered_before(deps, reply)
        if before is not None:  # an earlier delivery answered, and stopped before the ledger's mark
            return _answered(console_url, reply.member, before)
    run = _waiting_question(deps, reply)
    if run is None or not reply.words:
        return None
    if reply.member is None:
        return "refused", NOT_YOURS_TO_ANSWER, {}
    waiting, member = run.state.waiting, reply.member
    assert waiting is not None
    try:
        runs.owned_run(tenant_id, run.run_id, deps.store, deps.need_tenants())
        humans.respond(
            deps,
            tenant_id,
            run.run_id,
            "answer",
            text=reply.words,
            request_id=waiting.request_id,
            via="slack",
            role=member.role,
            by=member,
        )
    except Forbidden:
        return "refused", NOT_YOURS_TO_ANSWER, {}
    except (Conflict, InvalidInput, NotFound) as exc:
        return "refused", not_taken(exc.reason), {}
    source = deps.audit_source() if deps.audit_source is not None else None
    target = {"run_id": run.run_id, "request_id": waiting.request_id}
    audit.record(source, reply.tenant, member, "slack", "answer", now=deps.clock(), target=target)
    return _answered(console_url, member, run.run_id)


def _answered(console_url: str, member: Member, run_id: str) -> Outcome:
    run_url = console_run_url(console_url, run_id)
    return "answered", question_answered(member.name or member.email, run_url), {"run_id": run_id}


def _runs(deps: Deps, reply: Reply) -> list[Run]:
    """The runs the thread's sessions started latest, those asked in this very thread."""
    found = [deps.store.get_run(reply.tenant.tenant_id, s.run_id) for s in reply.sessions if s.run_id]
    return [r for r in found if r is not None and r.state.thread == reply.thread]


def _waiting_question(deps: Deps, reply: Reply) -> Run | None:
    """A run of the thread waiting for a person's answer in words (a question, a verdict)."""
    for run in _runs(deps, reply):
        waiting = run.state.waiting
        asks = run.state.status == RunStatus.WAITING_FOR_HUMAN and waiting is not None
        if asks and waiting is not None and waiting.purpose in humans.ANSWERED:
            return run
    return None


def _answered_before(deps: Deps, reply: Reply) -> str | None:
    """The run of the thread an earlier delivery of this reply answered: its log holds this member's
    answer by Slack with these very words. None otherwise."""
    assert reply.member is not None
    member_id, text = reply.member.member_id, reply.words[:2000]
    for run in _runs(deps, reply):
        for event in deps.store.list_events(reply.tenant.tenant_id, run.run_id):
            mine = isinstance(event, HumanResponded) and event.via == "slack" and event.by_member == member_id
            if (
                mine
                and isinstance(event, HumanResponded)
                and event.decision == "answer"
                and event.text == text
            ):
                return run.run_id
    return None
