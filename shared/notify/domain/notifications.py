"""Notifications as records, Notion comments, Slack messages and emails, and quiet hours. Pure.

A notification is recorded (``tenants/{t}/notifications/{id}``) as ``sending``, with its channel,
before it is sent, then marked ``sent`` or ``undeliverable`` with the reason. Its comment's signature
link or Slack message's metadata holds its key (``ref_key``), so a retry can look for it first. A decision's signed
links (:class:`Links`) go only in the email to the owner's recipient, never in a comment, a Slack
message or the record. Why: docs/notifications.md, "At most once" and "Decision links are minted".
"""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote

from pydantic import ConfigDict

from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.provenance import OLD_PREFIX, marker_url, signature_line
from shared.platform.domain.schema import Record
from shared.workspace.domain.members import INVITE_KIND
from shared.workspace.domain.tenants import CONFIRMATION_KIND, tenant_tag

DECIDE_IN_APP = "Approve or reject it in Notion Agent, signed in as the workspace's owner."
EARLY_S = 60.0  # a quiet window ending within this long is over (clock skew against the queue's)
# chat.postMessage's limit on ``text``: Slack refuses (msg_too_long) or truncates longer messages.
SLACK_MAX_CHARS = 40_000
_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")


class Mail(NamedTuple):
    """One plain-text email to one address. Its Message-ID (``<left@right>``) is chosen by the caller
    and fixed per notification, so a resend after a crash is the same message to the recipient's
    mail client."""

    to: str
    subject: str
    text: str
    message_id: str


class Links(NamedTuple):
    """The signed links one mail carries ("": none): a decision's approve and reject links, or a
    confirmation's link, or a member invite's. Minted as it is sent, never stored."""

    approve: str = ""
    reject: str = ""
    confirm: str = ""
    invite: str = ""


NO_LINKS = Links()


class NotificationStatus(StrEnum):
    SENDING = "sending"  # recorded, the comment or message may or may not exist yet
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # will never be sent on this channel; ``reason`` says why


class DeliveryClaim(StrEnum):
    """What recording a notification before sending it found."""

    NEW = "new"  # created now: send
    RETAKEN = "retaken"  # an earlier delivery's lease expired while sending: look for its message first
    BUSY = "busy"  # another delivery holds the lease: try again later
    DONE = "done"  # sent or undeliverable already: nothing to do


class Outcome(NamedTuple):
    """How a delivery ended (``NotificationLog.finish``): its status, the reason (why undeliverable, or
    why not the first channel), the channel it went to or failed on for good ("": the recorded one
    stays), and that channel's id of what it sent."""

    status: NotificationStatus
    reason: str = ""
    channel: str = ""
    comment_id: str = ""
    message_ts: str = ""
    message_id: str = ""

    def changes(self, now: datetime) -> dict[str, Any]:
        """The fields a record takes when it finishes at ``now``: these, and its lease ends now."""
        changes: dict[str, Any] = {"status": self.status, "reason": self.reason, "updated_at": now}
        changes |= {
            "comment_id": self.comment_id,
            "message_ts": self.message_ts,
            "message_id": self.message_id,
        }
        if self.channel:
            changes["channel"] = self.channel
        return changes | {"lease_until": now}


class Move(NamedTuple):
    """A ``sending`` record going to ``channel`` (``NotificationLog.move``): why the one chosen before
    refused it, the new lease's end, and ``where`` in the channel (``NotificationRecord.where``)."""

    channel: str
    reason: str
    lease_until: datetime
    where: str = ""

    def changes(self, now: datetime) -> dict[str, Any]:
        """The fields a record takes when it moves at ``now``."""
        return {**self._asdict(), "updated_at": now}


class Claimed(NamedTuple):
    claim: DeliveryClaim
    channel: str = ""  # RETAKEN: the channel the earlier delivery had chosen (it may have sent there)
    # RETAKEN: when the first attempt started (the record's ``created_at``); None if the record lacks it.
    started_at: datetime | None = None
    # RETAKEN: the end of the lease just taken over (its expiry, or when its attempt released it): no
    # earlier attempt sent anything after it (a lease outlasts every request's timeout).
    until: datetime | None = None
    where: str = ""  # RETAKEN: where in that channel it went (NotificationRecord.where)


class NotificationRecord(Record):
    model_config = ConfigDict(extra="ignore")

    notification_id: str
    subject: str
    text: str
    status: NotificationStatus
    lease_until: datetime
    created_at: datetime  # when its first attempt started: a record is created by that attempt's claim
    updated_at: datetime
    run_id: str | None = None
    page_id: str | None = None
    priority: str = "normal"
    reason: str = ""
    channel: str = ""  # notion_comment, slack or email: where it went (none when it could go nowhere)
    # Where in the channel, when the tenant's settings say and may change (the Slack channel's id):
    # recorded before sending, so a retry looks where an earlier attempt may have sent it.
    where: str = ""
    comment_id: str = ""  # the Notion comment's id
    message_ts: str = ""  # the Slack message's ts
    message_id: str = ""  # the email's Message-ID
    attempts: int = 1

    def listing(self) -> dict[str, Any]:
        """What ``GET /notifications`` shows of it."""
        keep = (
            "notification_id",
            "run_id",
            "subject",
            "text",
            "status",
            "reason",
            "channel",
            "created_at",
        )
        return self.model_dump(mode="json", include=set(keep))


def page_of(task: NotifyTask) -> str | None:
    """The page the notification is about (the run's trigger page), if the engine knew one."""
    page = task.data.get("page_id")
    return page if isinstance(page, str) and page else None


def new_record(
    task: NotifyTask,
    now: datetime,
    lease_s: float,
    status: NotificationStatus,
    *,
    reason: str = "",
    channel: str = "",
    where: str = "",
) -> NotificationRecord:
    return NotificationRecord(
        notification_id=task.notification_id,
        run_id=task.run_id,
        subject=task.subject,
        text=task.text,
        page_id=page_of(task),
        priority=task.priority,
        status=status,
        reason=reason,
        channel=channel,
        where=where,
        lease_until=now + timedelta(seconds=lease_s),
        created_at=now,
        updated_at=now,
    )


def ref_key(task: NotifyTask) -> str:
    """The notification's key, in its comment's signature link or its Slack message's metadata. It
    names the tenant as well as the notification: two workspaces may post to one Slack channel, and
    their notification ids can be the same (a run id is unique only within its tenant)."""
    return f"{tenant_tag(task.tenant_id)}/{task.notification_id}"


def markers(task: NotifyTask) -> tuple[str, str]:
    """The visible last lines an attempt made before decision 0124 ended with: with the tenant, or
    without it (older still). One sent just before a release and retried just after it is found."""
    return OLD_PREFIX + ref_key(task), OLD_PREFIX + task.notification_id


SLACK_EVENT = "notion_agent_notification"  # the Slack message metadata's event_type


def slack_metadata(task: NotifyTask) -> dict[str, Any]:
    """The Slack message's metadata (``chat.postMessage``): the key, which no person reads."""
    return {"event_type": SLACK_EVENT, "event_payload": {"ref": ref_key(task)}}


def signature_link(task: NotifyTask) -> str:
    """The link of the comment's signature: the run's page in the console (``data.console``, given
    by the delivery) holding the notification's key."""
    console = task.data.get("console")
    return marker_url(console if isinstance(console, str) else "", ref_key(task), task.run_id or "")


def decision_request(task: NotifyTask) -> tuple[str, str] | None:
    """(run id, request id) of the decision ``task`` asks for (an approval, a plan, a limit: any
    request but a question or a debate's verdict, answered in the app); None when it asks none."""
    run_id, request_id, purpose = (task.data.get(k) for k in ("run_id", "request_id", "purpose"))
    answered = purpose in ("question", "verdict")
    if not all(isinstance(v, str) and v for v in (run_id, request_id, purpose)) or answered:
        return None
    return str(run_id), str(request_id)


def asks_links(task: NotifyTask) -> bool:
    """Whether ``task``'s mail carries signed links: a decision's, a confirmation's, an invite's."""
    kind = task.data.get("kind")
    return decision_request(task) is not None or kind in (CONFIRMATION_KIND, INVITE_KIND)


def decision_text(task: NotifyTask, links: Links = NO_LINKS) -> str:
    """The task's text with how to decide, if it asks for a decision: ``links`` when given (only for
    where the owner alone reads it), else :data:`DECIDE_IN_APP` (module docstring)."""
    if decision_request(task) is None:
        return task.text
    decide = f"Approve: {links.approve}\nReject: {links.reject}" if links.approve else decide_in_app(task)
    return f"{task.text.rstrip()}\n\n{decide}".lstrip("\n")


def decide_in_app(task: NotifyTask) -> str:
    """:data:`DECIDE_IN_APP`, with the run's page in the console when the task names it (an http(s)
    URL: never a link a person could not open)."""
    url = task.data.get("console_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f"{DECIDE_IN_APP} Open the run: {url}"
    return DECIDE_IN_APP


def console_run_url(frontend_url: str, run_id: str) -> str:
    """The run's page in the console at ``frontend_url`` (its screens route on the fragment)."""
    return f"{frontend_url.rstrip('/')}/#/runs/{quote(run_id, safe='')}"


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def verbatim(text: str) -> str:
    """``text`` as Markdown that reads back as itself: every ASCII punctuation character
    backslash-escaped (CommonMark). A decision's request holds quoted literals whose escapes (``\\"``)
    Markdown would otherwise undo, letting quoted text seem to end its quotes."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def comment_text(task: NotifyTask) -> str:
    """The comment: subject, text (never a decision's links), and the signature as its last line. A
    comment is read as Markdown (shared.notion.domain.markdown): a decision's subject and request go in
    :func:`verbatim`, so the owner reads them exactly as code wrote them."""
    if decision_request(task) is not None:
        task = task.model_copy(update={"subject": verbatim(task.subject), "text": verbatim(task.text)})
    body = f"{task.subject}\n\n{decision_text(task)}".rstrip()
    return f"{body}\n{signature_line(signature_link(task))}"


def one_line(text: str) -> str:
    """``text`` on one line: control characters (line breaks included) and whitespace runs become one
    space, none at either end."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


DISCORD_MAX_CHARS = 2_000


CUT_REQUEST = "… (cut here: Discord holds 2,000 characters; the whole request is in Notion Agent)"


def discord_text(task: NotifyTask) -> str:
    """The Discord message: the subject in bold, then the text, at most ``DISCORD_MAX_CHARS`` (a longer
    text is cut and ends with "…"). A decision's request is cut before how to decide (the run's page in
    the console), saying so: the owner finds the whole of it there. No marker: a webhook's messages
    cannot be searched."""
    subject = one_line(task.subject).replace("*", "")
    head = f"**{subject}**\n\n" if subject else ""
    text = decision_text(task).rstrip()
    room = DISCORD_MAX_CHARS - len(head) - 1
    if len(text) > room and decision_request(task) is not None:
        decide = f"\n\n{decide_in_app(task)}"
        text = task.text[: max(0, room + 1 - len(CUT_REQUEST) - len(decide))] + CUT_REQUEST + decide
    elif len(text) > room:
        text = text[:room] + "…"
    return f"{head}{text}".rstrip() or "(no text)"


def slack_text(task: NotifyTask) -> str:
    """The Slack message: the subject in bold on one line (Slack's bold does not span lines) and the
    text; its key goes in the metadata (:func:`slack_metadata`), nothing internal in what is read.
    ``&``, ``<`` and ``>`` are escaped as Slack requires; Slack links the URLs. At most
    ``SLACK_MAX_CHARS``: a longer text is cut (and ends with "…"), so Slack does not refuse it."""
    escape = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    subject = one_line(task.subject).translate(escape)
    head = f"*{subject}*\n\n" if subject else ""
    text = decision_text(task).translate(escape).rstrip()
    room = SLACK_MAX_CHARS - len(head) - 1  # and "…"
    if len(text) > room:
        text = _PARTIAL_ENTITY.sub("", text[:room]) + "…"  # no escape cut in half
    return f"{head}{text}".rstrip() or "(no text)"


def email_text(task: NotifyTask, links: Links = NO_LINKS) -> str:
    """The email's body: the text with a decision's links (the recipient is the owner or the address
    they confirmed) or a confirmation's link, then a signature. No internal reference a person would
    read: a mail is never searched for on a retry, and its Message-ID
    (:func:`email_message_id`) already names the notification."""
    text = decision_text(task, links).rstrip()
    for link in (links.confirm, links.invite):
        text = f"{text}\n\n{link}" if link else text
    return f"{text}\n\n-- \n{SIGNATURE}\n"


SIGNATURE = "Notion Agent"


def email_message_id(task: NotifyTask, domain: str) -> str:
    """The email's Message-ID, the same on every attempt: a resend after a lost answer is one message
    to mail clients that de-duplicate by Message-ID."""
    return f"<{task.notification_id}.{task.tenant_id}@{domain}>"


def plain(rich_text: list[dict[str, Any]] | None) -> str:
    return "".join(str(i.get("plain_text") or i.get("text", {}).get("content", "")) for i in rich_text or [])


def quiet_until(now: datetime, quiet_hours: tuple[int, int] | None, zone: tzinfo) -> datetime | None:
    """The end of the quiet window ``now`` is in (UTC), or None when it is not in one.

    ``quiet_hours`` is (start, end) in local whole hours, end excluded; it may wrap midnight (22, 7).
    Equal start and end mean no quiet hours. A window ending within EARLY_S is treated as over, so a
    task scheduled for its end is never deferred again by a clock a little ahead of the queue's.
    """
    if quiet_hours is None:
        return None
    start, end = quiet_hours[0] % 24, quiet_hours[1] % 24
    local = now.astimezone(zone)
    hour = local.hour
    inside = start <= hour < end if start < end else start != end and (hour >= start or hour < end)
    if not inside:
        return None
    day: date = local.date() if hour < end else local.date() + timedelta(days=1)
    until = datetime.combine(day, time(end), tzinfo=zone).astimezone(UTC)
    return until if (until - now).total_seconds() > EARLY_S else None
