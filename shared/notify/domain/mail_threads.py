"""A mail thread a run or an Ask answers in (docs/mail.md): the agent's mailbox, by its address's hash,
and the Gmail id of the mail that asked. A run started by mail carries it as ``mail:<hash>:<gmail
id>`` (``Trigger.thread``, ``RunState.thread``); its notifications carry it in ``data["mail_thread"]``
and go on the ``mail_thread`` channel alone. Pure; below the mail capability, which sends them."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from shared.notify.domain.slack_threads import ref_parts

_THREAD = re.compile(r"^mail:([0-9a-f]{16}):([0-9A-Za-z_-]{1,80})$")
MAIL_THREAD_KEY = "mail_thread"  # a notification's data: the mail thread it goes to
MAIL_THREAD_CHANNEL = "mail_thread"  # the channel that answers in it (never one an owner chooses)


class MailThread(NamedTuple):
    mailbox: str  # the agent's address's hash (shared.workspace.domain.tenants.address_hash)
    message_id: str  # the Gmail id of the mail that asked

    @property
    def ref(self) -> str:
        return f"mail:{self.mailbox}:{self.message_id}"


def parse_mail_thread(ref: object) -> MailThread | None:
    """The mail thread ``ref`` names; None for anything else, so a malformed one sends nothing."""
    parts = ref_parts(_THREAD, ref)
    return MailThread(*parts) if parts else None


def mail_thread_of(data: dict[str, Any]) -> MailThread | None:
    """The mail thread a notification's ``data`` names, if it names one that holds."""
    return parse_mail_thread(data.get(MAIL_THREAD_KEY))
