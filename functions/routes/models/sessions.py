"""What the sessions' routes answer (``functions.routes.sessions_api``)."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class AgentSession(Schema):
    """A person's session with an agent."""

    session_id: str
    member_id: str
    agent_id: str
    created_at: str = Field(description="When it was opened (ISO 8601)")
    count: int = Field(description="Messages received")
    conversation_id: str | None = Field(
        description="Its Ask conversation, once a message asked; null: none yet"
    )
    run_id: str | None = Field(description="The latest run a message of it started; null: none yet")
    origin: Literal["api", "slack"] = Field(
        description="Where it is held: api (the console or the api), or slack (a Slack thread, each of "
        "the person's messages there one of its messages)"
    )
    thread: str | None = Field(
        description="A Slack thread's session: the thread (slack:<team>:<channel>:<ts>); null otherwise"
    )


class AgentSessionList(Schema):
    """The caller's sessions, newest first."""

    sessions: list[AgentSession]
    next_cursor: str | None = Field(description="Send it as cursor for the next page; null: the last page")


class SessionMessage(Schema):
    """A message of a session and what it became: an answer, or a run."""

    place: int = Field(description="Its place in the session, from 1")
    request_id: str = Field(description="The idempotency key it came with")
    text: str
    act: Literal["ask", "run", "steer"]
    state: Literal["received", "answered", "started", "steered", "failed"]
    created_at: str
    answer: str = Field(description="The answer (ask), its sources listed after it; what a steer did")
    cited: list[dict[str, str]] = Field(description="The pages the answer used: page_id, title, url, quote")
    run_id: str | None = Field(
        description="The run it started (run), or the run that took it (steer); null: no run (ask, or not yet)"
    )
    reason: str = Field(description="Why it failed, in words")


class AgentSessionDetail(AgentSession):
    """A session and its messages in order."""

    messages: list[SessionMessage]


class StreamHeaders(Schema):
    """A stream's headers: where a reconnect resumes."""

    last_event_id: str | None = Field(
        None,
        alias="Last-Event-ID",
        pattern=r"^[0-9]{1,12}$",
        description="The id of the last event received: the stream resumes after it",
    )
