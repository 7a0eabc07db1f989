"""The mail capability's ports: connected mailboxes, Gmail as the agent's mailbox, and the check of
Pub/Sub's push identity."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from shared.mail.domain.mailboxes import Mailbox


class HistoryGone(Exception):
    """Gmail no longer has the history from that id (its 404): a full sync is needed."""


class Mailboxes(Protocol):
    """``mail_mailboxes/{address hash}``."""

    def get(self, address: str) -> Mailbox | None: ...

    def put(self, mailbox: Mailbox) -> None: ...

    def by_key(self, key: str) -> Mailbox | None:
        """The mailbox whose address hashes to ``key`` (``address_hash``), as a mail thread names it."""
        ...

    def of_tenant(self, tenant_id: str) -> list[Mailbox]:
        """Every mailbox connected for ``tenant_id``."""
        ...

    def watched(self, address: str, expires: datetime) -> None:
        """Record that the mailbox's watch now ends at ``expires`` (its other fields left as stored)."""
        ...

    def every(self) -> list[Mailbox]:
        """Every connected mailbox (their watches are renewed together)."""
        ...

    def delete(self, address: str) -> None:
        """Forget the mailbox at ``address`` (nothing when there is none)."""
        ...

    def advance(self, address: str, history_id: int) -> int:
        """In one transaction, the stored history id raised to ``history_id`` (never lowered: a late
        push's older id leaves it); the id stored after. A mailbox that is gone is left gone (0)."""
        ...


class Gmail(Protocol):
    """The Gmail API as a connected mailbox's owner consented (``refresh`` its OAuth refresh token)."""

    def watch(self, refresh: str, topic: str) -> tuple[int, datetime]:
        """``users.watch`` onto ``topic``; the mailbox's current history id and when the watch ends
        (Gmail's ``expiration``: seven days on, unless watched again before)."""
        ...

    def stop(self, refresh: str) -> None:
        """``users.stop``: Gmail sends no more notifications of the mailbox."""
        ...

    def history(self, refresh: str, start: int) -> tuple[list[str], int]:
        """The ids of messages added to the inbox after ``start`` (oldest first, every page) and the
        mailbox's current history id. HistoryGone when Gmail answers 404."""
        ...

    def recent(self, refresh: str, limit: int) -> list[str]:
        """The ids of the newest ``limit`` inbox messages, oldest first (a bounded full sync)."""
        ...

    def raw(self, refresh: str, message_id: str) -> tuple[bytes, str, list[str]]:
        """A message's RFC 2822 bytes, its thread id and its labels."""
        ...

    def sent_in_thread(self, refresh: str, thread_id: str, key: str) -> bool:
        """Whether the thread holds a message whose ``X-Agent-Reply`` header is ``key``."""
        ...

    def send(self, refresh: str, raw: bytes, thread_id: str) -> str:
        """``users.messages.send`` in ``thread_id``; the sent message's id."""
        ...


class PushVerifier(Protocol):
    def verify(self, headers: Mapping[str, str]) -> None:
        """Unauthenticated (401) unless ``Authorization`` bears an ID token Google signed for this
        endpoint's audience; Forbidden (403) when it names another identity than the push's invoker."""
        ...
