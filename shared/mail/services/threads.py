"""The mail thread as a notification channel (``mail_thread``, docs/mail.md): a run's approval request
and result, or an Ask's answer, sent by the agent's mailbox as a reply in the thread of the mail that
asked (``In-Reply-To``, ``References``). A decision asked there carries the run's link to decide in the
console, never a link or a word that decides: a reply in the thread decides nothing (services/intake.py).
Found again in the thread by its ``X-Agent-Reply`` key, so notify's retry never sends it twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from shared.mail.domain import messages as dm
from shared.notify.domain import notifications as dn
from shared.notify.domain.mail_threads import MAIL_THREAD_CHANNEL, MailThread, mail_thread_of
from shared.platform.errors import NotFound, PermanentError

if TYPE_CHECKING:
    from shared.mail.domain.mailboxes import Mailbox
    from shared.mail.ports import Gmail, Mailboxes
    from shared.notify.domain.notify_task import NotifyTask
    from shared.platform.ports import SecretStore
    from shared.workspace.domain.tenants import Tenant


class MailThreads:
    """Replies in mail threads (the ``NotificationChannel`` port), through the agent's mailbox.
    ``gmail`` is built when first used: a deployment without Google's OAuth client sends none."""

    name = MAIL_THREAD_CHANNEL

    def __init__(
        self,
        mailboxes: Callable[[], Mailboxes],
        gmail: Callable[[], Gmail],
        secrets: SecretStore,
        domain: str,
    ) -> None:
        self._mailboxes, self._gmail, self._secrets, self._domain = mailboxes, gmail, secrets, domain

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        return None if mail_thread_of(task.data) is not None else "it names no mail thread"

    def destination(self, tenant: Tenant) -> str:
        return ""  # the task's thread

    def _opened(self, task: NotifyTask, tenant: Tenant) -> tuple[Mailbox, str, MailThread]:
        """The thread's mailbox (the tenant's own, or PermanentError) and its refresh token."""
        thread = mail_thread_of(task.data)
        mailbox = self._mailboxes().by_key(thread.mailbox) if thread is not None else None
        if thread is None or mailbox is None or mailbox.tenant_id != tenant.tenant_id:
            raise PermanentError("the agent's mailbox is no longer connected")
        try:
            return mailbox, self._secrets.get(mailbox.token_secret), thread
        except NotFound:
            raise PermanentError("the agent's mailbox was disconnected (its token is gone)") from None

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        _, refresh, thread = self._opened(task, tenant)
        _, thread_id, _ = self._gmail().raw(refresh, thread.message_id)
        key = dn.ref_key(task)
        return key if self._gmail().sent_in_thread(refresh, thread_id, key) else None

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        mailbox, refresh, thread = self._opened(task, tenant)
        gmail = self._gmail()
        raw, thread_id, _ = gmail.raw(refresh, thread.message_id)
        text = f"{task.subject}\n\n{dn.decision_text(task)}".strip()
        reply = dm.reply(dm.parse(raw), mailbox.address, text, dn.ref_key(task), self._domain)
        return gmail.send(refresh, reply.as_bytes(), thread_id)
