"""Slack's Events API in (docs/slack.md, decision 0173): a signed request verified, a URL check
answered, a person's mention, direct message or reply in a thread of the app's (decision 0201) made a
run of theirs once, however often it comes. Each delivery is safe to repeat. The event is recorded in
the tenant's ledger under its ``event_id`` (a thread's reply under its channel and ts); the run is
named by it and queued under its task name; the thread is answered; then the ledger is marked. A
delivery finding the mark starts nothing. One finding the record unmarked (the first stopped midway,
30 s ago or more) queues again under the same names, and answers unless the answer is there. A
younger record is left to the delivery at work (503: Slack delivers again later)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.agents.domain.slack_channels import channel_agent
from shared.notify.domain.notifications import console_run_url
from shared.notify.domain.slack_threads import SlackThread
from shared.platform.errors import NotFound, TransientError, Unauthenticated
from shared.platform.topology import Queue
from shared.runs.services.runs import check_usable
from shared.sessions.domain.sessions import TEXT_CHARS
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import (
    ASKED,
    EMPTY,
    STRANGER,
    EventCallback,
    UrlVerification,
    asks,
    leaves,
    not_taken,
    parse,
    question_of,
    replies,
    request_text,
    said_name,
    started,
    started_own,
    steered,
    thread_of,
)
from shared.slack.services.install import uninstalled
from shared.slack.services.thread_replies import Reply, answer_question, has_session, thread_sessions
from shared.slack.services.thread_sessions import AGENT, ThreadMessage, record_and_act
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.tenants import EventRecord, EventSeen, same_address

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.agents.ports import AgentStore
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.runs.services.deps import Deps
    from shared.sessions.domain.sessions import Session
    from shared.sessions.ports import SessionStore
    from shared.slack.ports import SlackInstalls, SlackWeb
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import TenantStore, WebhookEventLedger

# How long an event id is remembered: Slack retries for about five minutes after the first delivery.
EVENT_MEMORY = timedelta(days=1)
# A delivery finding the record unmarked and younger than this takes the first as still at work
# (Slack delivers again after three seconds without an answer). It answers 503, and Slack tries again
# a minute later: the first has marked it by then, or was stopped and this one takes over.
IN_FLIGHT = timedelta(seconds=30)


def check_not_in_flight(seen: EventRecord, now: datetime) -> None:
    """TransientError (503) when another delivery of the same event may still be answering it."""
    if not seen.created and not seen.enqueued and now - seen.first_seen < IN_FLIGHT:
        raise TransientError("an earlier delivery of this event is still being answered: try again later")


@dataclass(frozen=True)
class SlackIntake:
    """What receiving an event needs: the app's signing secret, its stores and Slack's Web API; the
    sessions a thread is held in and the engine's dependencies (built on first use) a steer takes."""

    signing_secret: str
    installs: SlackInstalls
    web: SlackWeb
    secrets: SecretStore
    tenants: TenantStore
    ledger: WebhookEventLedger
    queue: TaskQueue
    console_url: str
    sessions: SessionStore
    engine: Callable[[], Deps]
    agents: AgentStore | None = None  # whose Slack channels start which agent (none: the default)


def verify(body: bytes, headers: Mapping[str, str], signing_secret: str) -> None:
    """Unauthenticated (401) unless Slack signed ``body`` with the app's signing secret at a time within
    five minutes (``slack_sdk``'s verifier: HMAC-SHA256 over ``v0:<timestamp>:<body>``)."""
    from slack_sdk.signature import SignatureVerifier  # slack_sdk loads its WebClient: a route's first call

    if not SignatureVerifier(signing_secret).is_valid_request(body, dict(headers)):
        raise Unauthenticated("not signed by Slack with this app's signing secret, or signed too long ago")


def receive(
    body: bytes, headers: Mapping[str, str], intake: SlackIntake, now: datetime | None = None
) -> dict[str, Any]:
    """Answer one request Slack posted. Unauthenticated (401) unless Slack's signature holds over the
    body and a timestamp within five minutes (``slack_sdk``'s verifier). InvalidInput (400) for a body
    that is no event this app takes; NotFound (404) for a team no workspace installed the app in.
    Otherwise a 200's body: the URL check's ``challenge``, or ``result`` (``started``, ``asked``: a
    question queued for Ask, ``duplicate``, ``ignored``, ``stranger``, ``empty``, ``uninstalled``),
    with the run's id when one was queued.
    Slack's ``app_uninstalled`` and ``tokens_revoked`` (of the bot) unlink the team and forget its token."""
    verify(body, headers, intake.signing_secret)
    envelope = parse(body)
    if isinstance(envelope, UrlVerification):
        return {"challenge": envelope.challenge}
    return _event(envelope, intake, now or datetime.now(UTC))


def _event(envelope: EventCallback, intake: SlackIntake, now: datetime) -> dict[str, Any]:
    install = intake.installs.get(envelope.team_id)
    if install is None:
        raise NotFound(f"no Notion workspace has installed this app in Slack team {envelope.team_id}")
    event = envelope.event
    if leaves(event, install.bot_user_id):
        uninstalled(install, intake.installs, intake.web, intake.tenants, intake.secrets)
        return {"result": "uninstalled"}
    channel, thread = event.channel or "", thread_of(event)
    taken = _taken(envelope, install.tenant_id, install.bot_user_id, intake)
    if taken is None:
        return {"result": "ignored"}
    tenant_id, key = install.tenant_id, f"slack-{taken.name}"
    seen = intake.ledger.record(tenant_id, key, EventSeen(f"slack.{event.type}", now, now + EVENT_MEMORY))
    if not seen.created and seen.enqueued:
        return {"result": "duplicate"}
    check_not_in_flight(seen, now)
    token = intake.secrets.get(chat_token_secret(tenant_id))
    tenant = intake.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"no Notion workspace has installed this app in Slack team {envelope.team_id}")
    check_usable(tenant_id, intake.tenants)
    result, text, more = _said(envelope, intake, (tenant, token), taken, again=not seen.created)
    if text:  # a reply the app is not asked by is left unanswered
        answer_once(intake.web, (token, channel, thread), text, key, again=not seen.created)
    intake.ledger.mark_enqueued(tenant_id, key)
    return {"result": result, **more}


@dataclass(frozen=True)
class Taken:
    """An event that may ask the app: what names its message (the event's id; a thread's reply, its
    channel and ts) and, for a thread's reply, the thread's sessions (decision 0201)."""

    name: str
    sessions: list[Session] | None = None


def _taken(envelope: EventCallback, tenant_id: str, bot_user_id: str, intake: SlackIntake) -> Taken | None:
    """The event as one that may ask the app, or None: a mention, a direct message, or a reply in a
    channel's thread with sessions (the app is part of it: else nothing is read or stored)."""
    event = envelope.event
    if replies(event, bot_user_id):
        ref = SlackThread(envelope.team_id, event.channel or "", thread_of(event)).ref
        sessions = thread_sessions(intake.sessions, tenant_id, ref)
        return Taken(said_name(event.channel or "", event.ts or ""), sessions) if sessions else None
    return Taken(envelope.event_id) if asks(event, bot_user_id) else None


def _said(
    envelope: EventCallback, intake: SlackIntake, who: tuple[Tenant, str], taken: Taken, *, again: bool
) -> tuple[str, str, dict[str, str]]:
    """What the event's words do, by whom they are (the member of the sender's Slack email). A
    stranger is told why. A reply by someone without a session in the thread may answer its run's
    question (``thread_replies``). Other words are started as the member's. (result, told, more)."""
    (tenant, token), event = who, envelope.event
    channel, sessions = event.channel or "", taken.sessions
    email = intake.web.user_email(token, event.user or "")
    member = next((m for m in tenant.team() if same_address(m.email, email)), None)
    goal = request_text(event.text)
    at = SlackThread(envelope.team_id, channel, thread_of(event))
    if sessions is not None and not has_session(sessions, member):  # not their words to the app
        said = Reply(tenant, member, goal, sessions, at.ref, again=again)
        return answer_question(said, intake.engine(), intake.console_url) or ("ignored", "", {})
    if member is None:
        return "stranger", STRANGER, {}
    if not goal:
        return "empty", EMPTY, {}
    where = "a direct message" if event.channel_type == "im" else f"a mention in <#{channel}>"
    where = f"a reply in a thread of <#{channel}>" if sessions is not None else where
    link = intake.web.permalink(token, channel, event.ts or "") or ""
    reply = bool(event.thread_ts) and event.thread_ts != event.ts  # said in a thread begun before
    return start_work(Asked(tenant, member, goal, at, taken.name, f"{where} on Slack", link, reply), intake)


def answer_once(web: SlackWeb, where: tuple[str, str, str], text: str, key: str, again: bool) -> None:
    """Post ``text`` in the thread ``where`` (token, channel, thread ts) under ``key``, unless ``again``
    (a delivery finding its record unmarked: an earlier one stopped midway) and it is there already."""
    token, channel, thread = where
    if not (again and web.find(token, channel, thread, f"{key}/answer")):
        web.reply(token, channel, thread, text, f"{key}/answer")


@dataclass(frozen=True)
class Asked:
    """A member's words in Slack: the thread the answers go to, the name of what said them (an event's
    id: a delivery's repeat names the same), where they were said, in words (the run's rule). And
    the message's permalink, empty when Slack gave none."""

    tenant: Tenant
    member: Member
    words: str
    thread: SlackThread
    name: str
    rule: str
    link: str = ""  # the message's permalink, for the run view's link back
    reply: bool = False  # said in a thread begun before (by them or someone else)


def start_work(asked: Asked, intake: SlackIntake) -> tuple[str, str, dict[str, str]]:
    """Record what ``asked`` says in its person's session of the thread (decision 0195), under its
    key, and queue what it asks for by names that key fixes. A question (``question_of``) is an Ask,
    answered in the thread by plan (services/asks.py). Other words start a run of the session with
    the member's reach, its approvals and result in the thread. While the session's run goes on, they
    are given to that run (the api's ``steer``). ``(result, what the thread is told, more)``."""
    tenant_id, member, key = asked.tenant.tenant_id, asked.member, f"slack-{asked.name}"
    words = asked.words[:TEXT_CHARS]  # a session message's bound, within a thread Ask's question's
    agents = intake.agents.list_for(tenant_id) if intake.agents is not None else []
    said = ThreadMessage(
        asked.tenant, member, asked.thread, key, words, question_of(words), asked.rule, asked.link,
        agent_id=channel_agent(agents, asked.thread.channel) or AGENT,
    )  # fmt: skip
    session, message = record_and_act(intake.engine(), intake.sessions, intake.tenants, said)
    if message.act == "ask":
        ask = SlackAskTask(
            tenant_id=tenant_id,
            member_id=member.member_id,
            event_key=key,
            thread=asked.thread.ref,
            question=message.text,
            session_id=session.session_id,
        )
        intake.queue.enqueue(Queue.PLAN, ask, f"slack-ask:{tenant_id}:{key}")
        return "asked", ASKED, {}
    run_url = console_run_url(intake.console_url, message.run_id)
    if message.state == "started":
        own = asked.reply and message.place == 1  # their first words in a thread another began
        return "started", started_own(run_url) if own else started(run_url), {"run_id": message.run_id}
    if message.state == "steered":
        return "steered", steered(message.answer, run_url), {"run_id": message.run_id}
    return "refused", not_taken(message.reason), {}
