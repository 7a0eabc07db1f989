"""Gmail's watches kept alive (docs/mail.md). A ``users.watch`` ends seven days after it was made unless
made again; the scheduler's hourly call (``POST /mail-watches`` on plan) watches again each mailbox
whose watch ends within ``RENEW_BEFORE``. Renewing never moves the stored history id: the mail after it
is still to be read. A renewal that fails is told to the workspace's owner, at most once a day."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import NotFound, PermanentError, TransientError, Unauthenticated
from shared.platform.topology import Queue
from shared.workspace.domain.tenants import address_hash

if TYPE_CHECKING:
    from shared.mail.domain.mailboxes import Mailbox
    from shared.mail.ports import Gmail, Mailboxes
    from shared.platform.ports import SecretStore, TaskQueue

log = logging.getLogger(__name__)
RENEW_BEFORE = timedelta(days=2)  # an hourly call has some 48 tries before a watch ends
FAILED = (
    "Gmail's watch of the agent's mailbox {address} could not be renewed: {reason}. Mail to {address} "
    "stops reaching the agent {when} unless the mailbox is connected again."
)


def renew_watches(
    mailboxes: Mailboxes, gmail: Gmail, secrets: SecretStore, queue: TaskQueue, now: datetime | None = None
) -> dict[str, Any]:
    """Watch again each mailbox whose watch ends within ``RENEW_BEFORE`` (or whose end is not known),
    onto the topic it was connected with, and record the watch's new end. A failure (consent revoked,
    the token gone, Gmail unreachable) leaves the mailbox as it was and queues a notification to its
    workspace's owner, named by the mailbox and the day. ``{"mailboxes", "renewed", "failed"}``."""
    now = now or datetime.now(UTC)
    every = mailboxes.every()
    renewed = failed = 0
    for mailbox in every:
        if mailbox.watch_expires is not None and mailbox.watch_expires - now > RENEW_BEFORE:
            continue
        try:
            if not mailbox.topic:
                raise PermanentError("it was connected without its Pub/Sub topic")
            _, expires = gmail.watch(secrets.get(mailbox.token_secret), mailbox.topic)
        except (Unauthenticated, TransientError, PermanentError, NotFound) as refused:
            failed += 1
            log.warning("mail: the watch of mailbox %s was not renewed", address_hash(mailbox.address))
            _tell_owner(mailbox, refused.reason, queue, now)
            continue
        mailboxes.watched(mailbox.address, expires)
        renewed += 1
    return {"mailboxes": len(every), "renewed": renewed, "failed": failed}


def _tell_owner(mailbox: Mailbox, reason: str, queue: TaskQueue, now: datetime) -> None:
    ends = mailbox.watch_expires
    when = f"after {ends:%Y-%m-%d %H:%M} UTC" if ends is not None and ends > now else "now"
    note = NotifyTask(
        notification_id=f"mail-watch-{address_hash(mailbox.address)}-{now:%Y%m%d}",
        tenant_id=mailbox.tenant_id,
        subject=f"Mail to {mailbox.address} will stop reaching its agent"[:300],
        text=FAILED.format(address=mailbox.address, reason=reason[:300], when=when),
        priority="urgent" if ends is None or ends - now < timedelta(days=1) else "normal",
    )
    queue.enqueue(Queue.NOTIFY, note, f"notify:{mailbox.tenant_id}:{note.notification_id}")
