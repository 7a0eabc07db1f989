"""Mail in (docs/mail.md, decision 0219). Pub/Sub pushes a Gmail notification, checked as Google's;
the mailbox is read from its last history id. Each new message from an authenticated workspace member
starts one run of the agent (or, a question, one Ask) with the member's reach, answered in its thread.

Safe to repeat. Each message is recorded in the tenant's ledger under its Gmail id and its run named
by that id; its reply is looked for in the thread by its key before one is sent; a twin push meanwhile
answers 503. The history id moves only forward, after the messages before it were taken. A spoofed or
stranger's mail stores nothing."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.mail.domain import messages as dm
from shared.mail.domain.ask_task import MailAskTask
from shared.mail.domain.mailboxes import parse_push
from shared.mail.ports import HistoryGone
from shared.notify.domain.mail_threads import MailThread
from shared.notify.domain.notifications import console_run_url
from shared.platform.errors import TransientError
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import MailItem, PlanTask, Trigger
from shared.runs.services.runs import check_usable
from shared.workspace.domain.tenants import EventSeen, address_hash, same_address

if TYPE_CHECKING:
    from shared.mail.domain.mailboxes import Mailbox
    from shared.mail.ports import Gmail, Mailboxes, PushVerifier
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import TenantStore, WebhookEventLedger

log = logging.getLogger(__name__)
MESSAGE_MEMORY = timedelta(days=7)  # Pub/Sub keeps an unacknowledged push for up to 7 days
# A push finding a mail's record unmarked and younger than this takes the first as still at work: it
# answers 503 and Pub/Sub delivers again later (its backoff: 10 s, then longer). By then the first has
# marked it, or was stopped and this one takes over under the same names.
IN_FLIGHT = timedelta(seconds=30)
FULL_SYNC = 50  # messages read when the stored history id is too old (Gmail's 404)
STARTED = "On it: I started a run for your mail. Follow it here: {url}"
REPLIED = (
    "A reply by mail decides nothing and starts nothing. To approve or reject what a run asks, open it "
    "in Notion Agent: {url}"
)


@dataclass(frozen=True)
class MailIntake:
    """What receiving a push needs."""

    verifier: PushVerifier
    mailboxes: Mailboxes
    gmail: Gmail
    secrets: SecretStore
    tenants: TenantStore
    ledger: WebhookEventLedger
    queue: TaskQueue
    console_url: str
    reply_domain: str = "agents.invalid"  # the domain of the replies' Message-IDs
    full_sync: int = FULL_SYNC


def receive(
    body: bytes, headers: Mapping[str, str], intake: MailIntake, now: datetime | None = None
) -> dict[str, Any]:
    """Answer one push. Unauthenticated (401) without a Google-signed OIDC token for this endpoint,
    Forbidden (403) for another identity's; InvalidInput (400) for a body that is no Gmail
    notification. Otherwise ``result``: ``synced``, ``duplicate`` (nothing after the stored history id)
    or ``unknown`` (no mailbox connected at that address); ``full_sync`` when the stored history id was
    too old. A sync's ``outcomes`` say what each new message did: ``started`` (a run), ``asked`` (an
    Ask), ``reply`` (to the agent's own message: nothing), ``duplicate``, ``spoofed``, ``stranger``,
    ``own`` or ``not-to-agent``."""
    intake.verifier.verify(headers)
    push = parse_push(body)
    mailbox = intake.mailboxes.get(push.address)
    if mailbox is None:
        return {"result": "unknown"}
    if push.history_id <= mailbox.history_id:
        return {"result": "duplicate"}
    tenant = intake.tenants.get(mailbox.tenant_id)
    if tenant is None:
        return {"result": "unknown"}
    check_usable(tenant.tenant_id, intake.tenants)
    refresh = intake.secrets.get(mailbox.token_secret)
    full = False
    try:
        ids, current = intake.gmail.history(refresh, mailbox.history_id)
    except HistoryGone:
        ids, current, full = intake.gmail.recent(refresh, intake.full_sync), push.history_id, True
    outcomes = [
        _message(mailbox, tenant, i, refresh=refresh, intake=intake, now=now or datetime.now(UTC))
        for i in ids
    ]
    intake.mailboxes.advance(mailbox.address, current)
    return {"result": "synced", "outcomes": outcomes, "full_sync": full}


def _message(
    mailbox: Mailbox, tenant: Tenant, message_id: str, *, refresh: str, intake: MailIntake, now: datetime
) -> str:
    raw, thread_id, labels = intake.gmail.raw(refresh, message_id)
    mail = dm.parse(raw)
    if "SENT" in labels or same_address(mail.sender, mailbox.address):
        return "own"
    if not any(same_address(to, mailbox.address) for to in mail.to):
        return "not-to-agent"  # a copy (Cc, Bcc, a list): only mail addressed to the agent asks it
    if not dm.authenticated(mail):
        log.warning("mail: a message whose sender Gmail did not authenticate was dropped")
        return "spoofed"
    member = next((m for m in tenant.team() if same_address(m.email, mail.sender)), None)
    if member is None:
        return "stranger"
    key = f"mail-{message_id}"
    seen = intake.ledger.record(tenant.tenant_id, key, EventSeen("mail.message", now, now + MESSAGE_MEMORY))
    if not seen.created and seen.enqueued:
        return "duplicate"
    if not seen.created and now - seen.first_seen < IN_FLIGHT:  # a twin delivery at work on it
        raise TransientError("an earlier delivery of this mail is still being answered: try again later")
    if not seen.created and not _takes_over(intake, tenant.tenant_id, key, now - seen.first_seen, now):
        raise TransientError("another delivery is taking this mail over: try again later")
    where = MailThread(address_hash(mailbox.address), message_id)
    if dm.answers_us(mail, intake.reply_domain):
        text = REPLIED.format(url=intake.console_url)
        outcome = "reply"  # a reply to the agent's own message: it decides and starts nothing
    elif (question := dm.question_of(mail)) is not None:
        ask = MailAskTask(
            tenant_id=tenant.tenant_id,
            member_id=member.member_id,
            event_key=key,
            thread=where.ref,
            question=question[:2000],
        )
        intake.queue.enqueue(Queue.PLAN, ask, f"mail-ask:{tenant.tenant_id}:{key}")
        text, outcome = "", "asked"  # the answer is the reply (services/asks.py)
    else:
        text, outcome = _start_run(mailbox, tenant, member, mail, where=where, intake=intake), "started"
    if text:
        reply_once(mailbox, mail, thread_id, refresh=refresh, key=f"{key}-started", text=text, intake=intake)
    intake.ledger.mark_enqueued(tenant.tenant_id, key)
    return outcome


def _start_run(
    mailbox: Mailbox,
    tenant: Tenant,
    member: Member,
    mail: dm.Mail,
    *,
    where: MailThread,
    intake: MailIntake,
) -> str:
    """Queue the run ``mail`` asks for, named by its Gmail id, with ``member``'s reach, its approvals
    and result answered in the thread ``where``; what the thread is told at once."""
    run_id = f"mail-{where.message_id}"[:100]
    trigger = Trigger(
        kind="api",
        by_owner=tenant.owner_reach(member.role),
        people=[member.notion_user_id],
        rule=f"a mail to {mailbox.address}"[:300],
        thread=where.ref,
        link=dm.gmail_link(mail),
        mail=MailItem(
            to=mailbox.address, subject=mail.subject, attachments=dm.untrusted_attachments(mail)[:4000]
        ),
    )
    task = PlanTask(
        tenant_id=tenant.tenant_id,
        run_id=run_id,
        goal=dm.request_text(mail)[:2000],
        trigger=trigger,
        agent_id=mailbox.agent_id,
    )
    intake.queue.enqueue(Queue.PLAN, task, f"plan:{tenant.tenant_id}:{run_id}")
    return STARTED.format(url=console_run_url(intake.console_url, run_id))


def _takes_over(intake: MailIntake, tenant_id: str, key: str, age: timedelta, now: datetime) -> bool:
    """Whether this delivery takes over a mail whose first delivery stopped (unmarked past
    :data:`IN_FLIGHT`). One claim per :data:`IN_FLIGHT` slot of its age is made in the ledger's
    transaction: two twins arriving together cannot both answer. A taker that stops too leaves the
    next slot to the next delivery."""
    slot = int(age / IN_FLIGHT)
    claim = EventSeen("mail.takeover", now, now + MESSAGE_MEMORY)
    return intake.ledger.record(tenant_id, f"{key}-takeover-{slot}", claim).created


def reply_once(
    mailbox: Mailbox, mail: dm.Mail, thread_id: str, *, refresh: str, key: str, text: str, intake: MailIntake
) -> bool:
    """Send ``text`` in ``mail``'s thread unless a message keyed ``key`` is there already (an earlier
    attempt's, found by its ``X-Agent-Reply`` header): once however often this runs. Whether it sent."""
    if intake.gmail.sent_in_thread(refresh, thread_id, key):
        return False
    reply = dm.reply(mail, mailbox.address, text, key, intake.reply_domain)
    intake.gmail.send(refresh, reply.as_bytes(), thread_id)
    return True
