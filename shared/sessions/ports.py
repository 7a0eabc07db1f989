"""The store of sessions (type checking only)."""

from datetime import datetime
from typing import Any, Protocol

from shared.sessions.domain.sessions import Message, Session


class SessionStore(Protocol):
    """Sessions under ``tenants/{t}``, each named by its person too: no other person's id reads it."""

    def open(self, tenant_id: str, session: Session) -> Session:
        """The session, created unless one of its id exists (then that one, unchanged)."""
        ...

    def session(self, tenant_id: str, member_id: str, session_id: str) -> Session | None: ...

    def sessions(self, tenant_id: str, member_id: str, before: datetime | None, limit: int) -> list[Session]:
        """The person's sessions, newest first, created before ``before``."""
        ...

    def in_thread(self, tenant_id: str, thread: str, limit: int) -> list[Session]:
        """The sessions of a Slack thread (``thread``: its ref), each person's, at most ``limit``."""
        ...

    def receive(
        self, tenant_id: str, member_id: str, session_id: str, *, key: str, text: str, act: str, now: datetime
    ) -> tuple[Message, bool]:
        """The message of ``key``, added at the session's next place unless it was (then the first,
        and False). One transaction: two deliveries at once add one message."""
        ...

    def settle(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        """The message with ``fields`` (state, answer, cited, run_id, reason) recorded, and the
        session's ``run_id``/``conversation_id`` when given."""
        ...

    def fail(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        """The message failed with ``fields`` (state, reason, pieces) if it is still received; one another
        delivery of it settled meanwhile is kept as it is, and returned."""
        ...

    def messages(
        self, tenant_id: str, member_id: str, session_id: str, after: int, limit: int
    ) -> list[Message]:
        """The session's messages after place ``after``, in order."""
        ...
