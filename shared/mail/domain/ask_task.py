"""The body of an Ask asked by mail (``POST /mail-ask`` on plan): a thread's Ask
(shared.memory.domain.thread_ask) whose thread is ``mail:<mailbox>:<gmail id>``. Pure."""

from typing import ClassVar

from shared.memory.domain.thread_ask import ThreadAsk


class MailAskTask(ThreadAsk):
    """Answer ``question`` as Ask within ``member_id``'s reach, in the mail thread ``thread``
    (``mail:<mailbox>:<gmail id>``), once per ``event_key`` (the mail's ledger key)."""

    ROUTE: ClassVar[str] = "/mail-ask"
