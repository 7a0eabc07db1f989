"""Sessions: ``POST /sessions`` opens one with an agent, ``GET /sessions`` lists the caller's (newest
first, a cursor), ``GET /sessions/{id}`` reads one with its messages, ``POST /sessions/{id}/messages``
sends a message answered as Ask or turned into a run (shared/sessions/services/sessions.py). A session
is its person's alone: another member's or tenant's id is a 404 that does not say whether it exists.
Every create takes an idempotency key (``request_id``): a repeat answers what the first made."""

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Literal
from uuid import uuid4

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.platform.domain.schema import Schema, some_text
from shared.platform.errors import InvalidInput, NotFound
from shared.sessions.domain.sessions import TEXT_CHARS, Session
from shared.sessions.services.sessions import NOT_YOURS, open_session, post_message, session_of
from shared.sessions.services.streams import shown_message, shown_session
from shared.team.services.sessions import require_connected
from shared.workspace.domain.members import Member

SESSION_ID = r"^s[0-9a-f]{16}$"  # what session_id_for names
REQUEST_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # a message's names its document: never __reserved__


class NewSession(Schema):
    model_config = ConfigDict(extra="forbid")

    agent_id: str = Field(
        "default", pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="The agent to talk with (its agent_id)"
    )
    request_id: str | None = Field(
        None,
        pattern=REQUEST_ID,
        description="Makes retries idempotent: the same key (and agent) answers the same session; "
        "without one, each call opens a new session",
    )


class NewAnswer(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, some_text("a message")] = Field(
        min_length=1, max_length=TEXT_CHARS, json_schema_extra={"pattern": r"\S"}
    )
    request_id: str = Field(
        pattern=REQUEST_ID,
        description="The message's idempotency key: a repeat answers the message as recorded and starts "
        "no second run; with Last-Event-ID, an answer's stream resumes after that event",
    )


class NewMessage(NewAnswer):
    act: Literal["ask", "run", "steer"] = Field(
        "ask",
        description="ask: answered from the workspace within your reach, nothing changed; run: a run of "
        "the session's agent, its goal carrying the session's latest messages; steer: to the session's "
        "latest run while it asks something: its question's answer, or an approval's rejection with "
        "your words, planned again with them (409 when it asks nothing)",
    )


class SessionsQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(25, ge=1, le=100, description="How many, newest first")
    cursor: str | None = Field(
        None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$", description="The next_cursor of an earlier answer"
    )


class SessionQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    after: int = Field(0, ge=0, le=1_000_000, description="Only the messages after this place")
    limit: int = Field(50, ge=1, le=200, description="How many messages, in order")


def person(call: Call) -> Member:
    """The caller, in a workspace still connected (404 or 409 otherwise, as Ask)."""
    require_connected(call.tenant_id, call.tenants)
    if call.member is None:  # a session of a tenant without a document: it acts on nothing
        raise NotFound("this workspace is not connected")
    return call.member


def session_id_of(call: Call) -> str:
    """The path's session id; one no session can have is not found (nor read)."""
    session_id = call.args["session_id"]
    if not re.fullmatch(SESSION_ID, session_id):
        raise NotFound(NOT_YOURS)
    return session_id


def create(call: Call) -> Reply:
    """201 with the session ``request_id`` names (a new one without a key); the agent must be the
    workspace's (404)."""
    from shared.agents.services.agents import agent_of

    body = parse_json(call.request, NewSession)
    member = person(call)
    agent_of(call.tenant_id, body.agent_id, call.container.agents.agents)
    store = call.container.sessions.sessions
    made = open_session(store, call.tenant_id, member, body.agent_id, body.request_id or uuid4().hex)
    return shown_session(made), 201


def encode_cursor(session: Session) -> str:
    """Where the next page starts: before this session (opaque to clients)."""
    return base64.urlsafe_b64encode(session.created_at.isoformat().encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> datetime:
    try:
        at = datetime.fromisoformat(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if at.tzinfo is None:
            raise ValueError(cursor)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "cursor: not one this api gave: start again from the first page", ["cursor"]
        ) from exc
    return at


def list_sessions(call: Call) -> Reply:
    """The caller's sessions, newest first, ``limit`` a page, ``next_cursor`` the next one's."""
    query = SessionsQuery.model_validate(call.request.args.to_dict())
    if call.member is None:
        return {"sessions": [], "next_cursor": None}, 200
    before = decode_cursor(query.cursor) if query.cursor else None
    store = call.container.sessions.sessions
    found = store.sessions(call.tenant_id, call.member.member_id, before, query.limit + 1)
    page = found[: query.limit]
    more = len(found) > query.limit
    return {
        "sessions": [shown_session(s) for s in page],
        "next_cursor": encode_cursor(page[-1]) if more else None,
    }, 200


def get_session(call: Call) -> Reply:
    """The caller's session and its messages after ``after``, in order; another's is a 404."""
    query = SessionQuery.model_validate(call.request.args.to_dict())
    if call.member is None:
        raise NotFound(NOT_YOURS)
    store = call.container.sessions.sessions
    session = session_of(store, call.tenant_id, call.member, session_id_of(call))
    said = store.messages(call.tenant_id, call.member.member_id, session.session_id, query.after, query.limit)
    return shown_session(session) | {"messages": [shown_message(m) for m in said]}, 200


def post_session_message(call: Call) -> Reply:
    """The message of ``request_id`` in the caller's session: an answer (ask) or a run queued (run),
    200 with the message as recorded; a repeat of the key is the same message, acting no twice."""
    body = parse_json(call.request, NewMessage)
    member = person(call)
    session_id = session_id_of(call)
    tenant = require_connected(call.tenant_id, call.tenants)
    c = call.container
    said = post_message(
        c.engine(with_model=body.act != "run"),
        c.sessions.sessions,
        call.tenants,
        tenant,
        member,
        session_id=session_id,
        text=body.text,
        act=body.act,
        key=body.request_id,
        via=call.via,
    )
    return shown_message(said), 200
