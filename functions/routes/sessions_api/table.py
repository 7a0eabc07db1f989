"""The sessions' rows of the api's route table (:data:`functions.routes.table.ROUTES`): opening,
listing and reading a person's sessions, sending a message, and the streams of a session and a run."""

from functions.routes import Route
from functions.routes.rows import Tag
from functions.routes.sessions_api import events, sessions

_sessions = Tag("sessions")
_SESSION = "models.sessions.AgentSession"
_STREAM = {200: "text/event-stream"}

SESSIONS_ROUTES: list[Route] = [
    _sessions(
        "POST /sessions",
        sessions.create,
        "Open a session with an agent (request_id: the same key answers the same session)",
        {201: _SESSION},
        body="sessions_api.sessions.NewSession",
        refusals=(409,),
        scope="runs:start",
        role="editor",
    ),
    _sessions(
        "GET /sessions",
        sessions.list_sessions,
        "The caller's sessions, newest first, paged by a cursor",
        {200: "models.sessions.AgentSessionList"},
        query="sessions_api.sessions.SessionsQuery",
        role="viewer",
    ),
    _sessions(
        "GET /sessions/<session_id>",
        sessions.get_session,
        "One of the caller's sessions with its messages in order",
        {200: "models.sessions.AgentSessionDetail"},
        query="sessions_api.sessions.SessionQuery",
        role="viewer",
    ),
    _sessions(
        "POST /sessions/<session_id>/messages",
        sessions.post_session_message,
        "Send a message: answered as Ask within your reach, or turned into a run of the session's agent",
        {200: "models.sessions.SessionMessage"},
        body="sessions_api.sessions.NewMessage",
        refusals=(409, 429, 502, 503),
        scope="runs:start",
        role="editor",
    ),
    _sessions(
        "POST /sessions/<session_id>/answers",
        events.session_answer,
        "Ask in the session, the answer streamed as Server-Sent Events (a repeat with Last-Event-ID resumes)",
        _STREAM,
        body="sessions_api.sessions.NewAnswer",
        headers="models.sessions.StreamHeaders",
        refusals=(409, 429),
        scope="runs:start",
        role="editor",
    ),
    _sessions(
        "GET /sessions/<session_id>/events",
        events.session_events,
        "The session's messages as they settle, as Server-Sent Events (Last-Event-ID resumes)",
        _STREAM,
        headers="models.sessions.StreamHeaders",
        role="viewer",
    ),
    _sessions(
        "GET /runs/<run_id>/events",
        events.run_events,
        "The run's events as they are logged, as Server-Sent Events (Last-Event-ID resumes)",
        _STREAM,
        headers="models.sessions.StreamHeaders",
        role="viewer",
    ),
]
