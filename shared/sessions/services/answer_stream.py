"""An answer streamed as it is made (``POST /sessions/{id}/answers``). The question is answered
beside the response, in a thread of this instance (:func:`answer_beside`). The pieces of its text go
to the stream as the model writes them (:class:`Live`). They are kept on the message (the first at
once, then at most every ``KEEP_S``, all when it settles): a resume on any instance follows the same
ids (:func:`answer_frames`). The request that received the message answers it; a repeat follows it, and
answers it itself only after ``ANSWERING_S`` unsettled (``being_answered``). The stream ends by its
deadline (the client reconnects); the answer goes on beside it and is kept."""

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.sessions.domain.sessions import Message, being_answered
from shared.sessions.domain.streams import frame
from shared.sessions.services.streams import ACCEPTED, answer_events

if TYPE_CHECKING:
    from shared.sessions.ports import SessionStore

log = logging.getLogger(__name__)

KEEP_S = 1.0  # at most one write of the pieces to the message this often while it is written
FAILED = "the answer could not be made (an error on our side): ask again with a new request_id"
# What a stream reads each time: the pieces so far, the message once settled, whether it never will be.
type Read = Callable[[int], tuple[list[str], Message | None, bool]]


class Live:
    """An answer being written in this instance: its pieces as given (:meth:`add`, from the model's
    thread), kept on the message by ``keep``, and the message once settled; a stream waits on it."""

    def __init__(
        self, keep: Callable[[list[str]], None], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._cond = threading.Condition()
        self._pieces: list[str] = []
        self._settled: Message | None = None
        self._ended = False
        self._keep, self._clock = keep, clock
        self._kept_at: float | None = None

    def add(self, text: str) -> None:
        """One more piece, in order: streams waiting see it at once; kept if ``KEEP_S`` has passed."""
        with self._cond:
            self._pieces.append(text)
            pieces = list(self._pieces)
            self._cond.notify_all()
            now = self._clock()
            due = self._kept_at is None or now - self._kept_at >= KEEP_S
            if due:
                self._kept_at = now
        if due:
            try:
                self._keep(pieces)
            except Exception:  # the pieces are kept whole when it settles; the answer goes on
                log.warning("an answer's pieces were not kept yet", exc_info=True)

    def given(self) -> list[str]:
        """The pieces added so far, in order."""
        with self._cond:
            return list(self._pieces)

    def end(self, settled: Message | None) -> None:
        """The answer settled (``settled``), or ended without a message to show (None)."""
        with self._cond:
            self._settled, self._ended = settled, True
            self._cond.notify_all()

    def read(self, have: int, wait_s: float) -> tuple[list[str], Message | None, bool]:
        """The pieces, the settled message and whether it ended without one, once there are more
        than ``have`` pieces or it ended, or ``wait_s`` has passed."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._pieces) > have or self._ended, wait_s)
            return list(self._pieces), self._settled, self._ended and self._settled is None


@dataclass(frozen=True)
class Asked:
    """A person's question in their session, as the store keeps it."""

    store: "SessionStore"
    tenant_id: str
    member_id: str
    session_id: str
    message: Message

    def load(self) -> Message:
        """The message as it is kept now."""
        [kept] = self.store.messages(
            self.tenant_id, self.member_id, self.session_id, self.message.place - 1, 1
        )
        return kept

    def keep(self, pieces: list[str]) -> None:
        """The pieces sent so far, kept on the message (still received)."""
        self.store.settle(self.tenant_id, self.member_id, self.session_id, self.message.key, pieces=pieces)

    def answered_here(self, new: bool, *, now: datetime | None = None) -> bool:
        """Whether this request answers it: it received it, or it was left unsettled ``ANSWERING_S``."""
        stale = not being_answered(self.message, now or datetime.now(UTC))
        return self.message.state == "received" and (new or stale)

    def reader(self, poll_s: float, sleep: Callable[[float], None] = time.sleep) -> Read:
        """A stream's read of the kept message, every ``poll_s`` after the first."""
        first = [True]

        def read(have: int) -> tuple[list[str], Message | None, bool]:
            if not first[0]:
                sleep(poll_s)
            first[0] = False
            kept = self.load()
            return kept.pieces, kept if kept.state != "received" else None, False

        return read


def answer_beside(asked: Asked, answer: Callable[[Live], Message], poll_s: float) -> Read:
    """``answer`` run in a thread of its own (the request's context carried: its log fields), given a
    :class:`Live` whose pieces are kept on ``asked``'s message; what a stream reads of it. A failure
    ``answer`` recorded on the message is read from it; any other is logged and recorded as
    :data:`FAILED`, with the pieces sent."""
    live = Live(asked.keep)

    def run() -> None:
        settled: Message | None = None
        try:
            settled = answer(live)
        except Exception as exc:
            from shared.platform.errors import AgentError

            try:
                if isinstance(exc, AgentError):  # recorded on the message as failed, with its reason
                    settled = asked.load()
                else:
                    log.exception("an answer failed")
                    settled = asked.store.settle(asked.tenant_id, asked.member_id, asked.session_id,
                                                 asked.message.key, state="failed", reason=FAILED,
                                                 pieces=live.given())  # fmt: skip
            except Exception:  # the stream ends asking for a reconnect; a repeat answers it when stale
                log.exception("an answer's failure was not recorded")
        finally:
            live.end(settled)

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), daemon=True, name="answer").start()
    return lambda have: live.read(have, poll_s)


def answer_frames(
    read: Read, sent: int, *, deadline_s: float, clock: Callable[[], float] = time.monotonic
) -> Iterator[str]:
    """The answer's events after id ``sent`` as ``read`` finds them: each piece as a ``chunk`` once it
    is there, then what the settled message adds (:func:`answer_events`: the same ids) and ``end``. Or
    ``deadline`` (reconnect) by ``deadline_s`` or when the answer ended unsettled. A comment at each
    quiet read keeps proxies from closing it."""
    until = clock() + deadline_s
    while True:
        pieces, settled, lost = read(max(0, sent - ACCEPTED))
        if settled is not None:
            for event_id, kind, data in answer_events(settled):
                if event_id > sent:
                    yield frame(event_id, kind, data)
                    sent = event_id
            yield frame(None, "end", {"last_event_id": sent})
            return
        fresh = list(enumerate(pieces, start=ACCEPTED + 1))[max(0, sent - ACCEPTED) :]
        for event_id, piece in fresh:
            yield frame(event_id, "chunk", {"text": piece})
            sent = event_id
        if lost or clock() >= until:
            yield frame(None, "deadline", {"last_event_id": sent, "reconnect": True})
            return
        if not fresh:
            yield ": waiting\n\n"
