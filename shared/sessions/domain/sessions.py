"""A session and its messages, pure: the ids a session and a message's run are named by (so a message
delivered twice names the same run), and the history a run's goal carries, bounded."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

type Act = Literal["ask", "run", "steer"]  # steer: to the session's latest run (decision 0169)
type MessageState = Literal["received", "answered", "started", "steered", "failed"]
type Origin = Literal["api", "slack"]  # where the session is held: the console and api, or a Slack thread

HISTORY_MESSAGES = 6  # the latest messages a run's goal carries, oldest first
HISTORY_CHARS = 1200  # and at most this many characters of them
GOAL_CHARS = 2000  # a run's goal (runs_api.runs.NewRun's bound)
TEXT_CHARS = 2000  # a message's text


@dataclass(frozen=True)
class Message:
    """One message of a person and what it became: an answer (``ask``), a run (``run``), or a follow-up
    of the session's latest run (``steer``: ``run_id`` the run it went to, ``answer`` what it did)."""

    place: int  # its place in the session, from 1, in the order the session received them
    key: str  # the idempotency key it came with: the same key is the same message
    text: str
    act: Act
    state: MessageState
    created_at: datetime
    answer: str = ""
    cited: list[dict[str, str]] = field(default_factory=list)  # Ask's cited pages: page_id, title, url, quote
    run_id: str = ""
    reason: str = ""  # why it failed, in words
    # An answer's text in the pieces its stream sent (``chunk`` events 2 on), kept as they went out:
    # a resume gives the same ids. Joined, a beginning of ``answer`` (all of it once answered).
    pieces: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Session:
    """A person's session with an agent; ``conversation_id``: its Ask conversation, once it asked."""

    session_id: str
    member_id: str
    agent_id: str
    created_at: datetime
    count: int = 0  # messages received
    conversation_id: str = ""
    run_id: str = ""  # the latest run a message of it started
    origin: Origin = "api"
    thread: str = ""  # a Slack thread's session: ``slack:<team>:<channel>:<ts>``, where its runs answer


ANSWERING_S = 120.0  # a question received this long ago and still unsettled: whoever answered it is gone


def being_answered(message: Message, now: datetime) -> bool:
    """Whether ``message`` is a question another request may still be answering: received, not
    settled, less than ``ANSWERING_S`` ago (a repeat then neither asks the model again nor waits)."""
    young = (now - message.created_at).total_seconds() <= ANSWERING_S
    return message.act == "ask" and message.state == "received" and young


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def session_id_for(member_id: str, agent_id: str, key: str) -> str:
    """The session a person's create with ``key`` names: a repeat of it names the same one."""
    return f"s{_digest(member_id, agent_id, key)}"


def thread_key(thread_ref: str) -> str:
    """The key a Slack thread's session is opened with (:func:`session_id_for` adds the person and the
    agent): every message of one person in one thread names the same session (decision 0195)."""
    return f"slack-thread-{_digest(thread_ref)}"


def run_id_for(session_id: str, key: str) -> str:
    """The run a session's message with ``key`` starts: a message delivered twice names one run."""
    return f"sess-{_digest(session_id, key)}"


def goal_with_history(text: str, earlier: list[Message]) -> str:
    """The run's goal: the message, after the latest :data:`HISTORY_MESSAGES` earlier messages of
    the session (each cut, :data:`HISTORY_CHARS` at most in all, newest kept first): bounded however
    long the session."""
    lines: list[str] = []
    used = 0
    for m in reversed(earlier[-HISTORY_MESSAGES:]):
        line = f"- {m.text[:300]}" + (f" (answered: {m.answer[:200]})" if m.answer else "")
        if used + len(line) > HISTORY_CHARS:
            break
        lines.insert(0, line)
        used += len(line)
    if not lines:
        return text[:GOAL_CHARS]
    head = "Earlier in this session the person said:\n" + "\n".join(lines) + "\n\nNow: "
    return (head + text)[-GOAL_CHARS:] if len(head) + len(text) > GOAL_CHARS else head + text
