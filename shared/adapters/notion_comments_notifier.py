"""The live notifier: a notification becomes a Notion comment on the page it is about, at most once.

1. The record ``tenants/{t}/notifications/{id}`` is created exclusively (``sending``, with a lease of
   ``lease_s``); a record already ``sent`` or ``undeliverable`` means nothing is left to do, one
   still ``sending`` under its lease means another delivery is at work (TransientError: retried).
2. A record found ``sending`` after its lease (a crash between recording and finishing) is taken
   over and *reconciled*: the page's comments are searched for the notification's marker line
   before sending again.
3. The comment is added (its rich text split to Notion's 2,000 characters per element by the Notion
   adapter) and the record marked ``sent``.

No page (a daily plan, a reconnect notice), a tenant whose connection is gone, or Notion refusing
for good (page deleted or not shared): recorded ``undeliverable`` with the reason, logged at WARNING
(id and reason only, never the text or its links). A transient error releases the lease and
propagates (notify answers 503; Cloud Tasks retries, and the retry reconciles first).

Email and Slack have no provider yet: every channel goes to the page (see README, Decisions).
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from shared.domain import notifications as dn
from shared.domain.notifications import Claim, NotificationStatus
from shared.domain.tasks import NotifyTask
from shared.errors import NotFound, PermanentError, TransientError
from shared.ports import NotificationLog, Notion

log = logging.getLogger(__name__)


class TenantNotion(Protocol):
    """Runs a Notion operation with a tenant's current token (``NotionAccess``)."""

    def run[T](self, tenant_id: str, operation: Callable[[str], T]) -> T: ...


def _now() -> datetime:
    return datetime.now(UTC)


class NotionCommentNotifier:
    def __init__(
        self,
        records: NotificationLog,
        access: TenantNotion,
        notion: Notion,
        lease_s: float,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._records, self._access, self._notion = records, access, notion
        self._lease_s, self._clock = lease_s, clock

    def deliver(self, task: NotifyTask) -> bool:
        """True when this call sent the comment; False when it was sent before or cannot be."""
        now, page_id = self._clock(), dn.page_of(task)
        status = NotificationStatus.SENDING if page_id else NotificationStatus.UNDELIVERABLE
        reason = "" if page_id else "it is about no page, and only Notion comments can be sent"
        record = dn.new_record(task, now, self._lease_s, status, reason)
        claim = self._records.claim(task.tenant_id, record, now)
        if claim is Claim.DONE:
            return False
        if claim is Claim.BUSY:
            raise TransientError("another delivery of this notification is in progress")
        if page_id is None:
            log.warning("notification %s is undeliverable: %s", task.notification_id, reason)
            return False
        try:
            found = self._find(task, page_id) if claim is Claim.RETAKEN else None
            comment_id = found if found is not None else self._send(task, page_id)
        except TransientError:
            self._records.release(task.tenant_id, task.notification_id, self._clock())
            raise
        except (PermanentError, NotFound) as exc:
            self._finish(task, NotificationStatus.UNDELIVERABLE, reason=exc.reason)
            log.warning("notification %s is undeliverable: %s", task.notification_id, exc.reason)
            return False
        self._finish(task, NotificationStatus.SENT, comment_id=comment_id)
        return found is None

    def _finish(self, task: NotifyTask, status: NotificationStatus, **detail: str) -> None:
        self._records.finish(task.tenant_id, task.notification_id, status, self._clock(), **detail)

    def _find(self, task: NotifyTask, page_id: str) -> str | None:
        """The id of the comment an earlier attempt added (found by its marker line), if any."""
        marker = dn.marker_text(task.notification_id)

        def search(token: str) -> str | None:
            for comment in self._notion.list_comments(token, page_id):
                if dn.plain(comment.get("rich_text")).rstrip().endswith(marker):
                    return str(comment.get("id", ""))
            return None

        return self._access.run(task.tenant_id, search)

    def _send(self, task: NotifyTask, page_id: str) -> str:
        text = dn.comment_text(task)
        comment = self._access.run(
            task.tenant_id, lambda token: self._notion.add_comment(token, page_id, text)
        )
        return str(comment.get("id", ""))
