"""A session's message as an outbound event (shared.outbound), decided where the message settles
(``post_message``): its ids, act, state and run, never its text or answer. Its id is the session's
and the message's place, so a repeat of the message emits the same event, taken once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.outbound.domain.events import EventType, OutEvent, event
from shared.outbound.services.emit import emit
from shared.sessions.domain.sessions import Message, Session

if TYPE_CHECKING:
    from shared.platform.ports import TaskQueue
    from shared.workspace.domain.tenants import Tenant


def message_event(session: Session, message: Message) -> OutEvent:
    """The event of a settled ``message``: its type's declared fields only."""
    said = {
        "place": message.place,
        "act": message.act,
        "state": message.state,
        "run_id": message.run_id or None,
    }
    whose = {"session_id": session.session_id, "agent_id": session.agent_id, "member_id": session.member_id}
    ident = f"{session.session_id}.{message.place}"
    return event(EventType.SESSION_MESSAGE, ident, message.created_at, **whose, **said, at=message.created_at)


def told(queue: TaskQueue, tenant: Tenant, session: Session, message: Message) -> Message:
    """``message``, its event queued for the workspace's webhooks when they take it (no read)."""
    emit(queue, tenant, message_event(session, message))
    return message
