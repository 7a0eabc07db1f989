"""The api's streams, Server-Sent Events (``text/event-stream``): ``GET /runs/{id}/events`` (each
event of the run's log, its ``id`` the log's seq) and ``GET /sessions/{id}/events`` (each settled
message, its ``id`` its place). ``Last-Event-ID`` resumes after that id, without a gap or a repeat.
A stream ends by ``stream_deadline_s`` (``event: deadline``: reconnect) or once its run ended
(``event: end``). ``POST /sessions/{id}/answers`` streams a question's answer as the model writes it,
resumed by a repeat with ``Last-Event-ID``. Who may open one is checked before it starts (404 as the
run's and the session's own routes); a run's events follow the run view's rules for this person."""

from collections.abc import Callable, Iterator

from flask import Response

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from functions.routes.sessions_api.sessions import NewAnswer, person, session_id_of
from shared.platform.errors import InvalidInput, NotFound
from shared.runs.services import runs
from shared.sessions.domain.streams import RETRY_MS, Batch, event_stream, frame, last_event_id
from shared.sessions.services.answer_stream import Asked, answer_beside, answer_frames
from shared.sessions.services.sessions import NOT_YOURS, Said, act_on, receive_message, session_of
from shared.sessions.services.streams import ACCEPTED, run_batch, session_batch
from shared.team.services.sessions import require_connected

# Not buffered by a proxy on the way (nginx's header; Google's load balancer passes a stream through).
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _resumed(call: Call) -> int:
    """Where the stream starts: after the ``Last-Event-ID`` a reconnect sends (0: from the start)."""
    try:
        return last_event_id(call.request.headers.get("Last-Event-ID")) or 0
    except ValueError as exc:
        raise InvalidInput(str(exc), ["Last-Event-ID"]) from exc


def _stream(call: Call, read: Callable[[int], Batch], after: int) -> Response:
    s = call.container.settings
    events = event_stream(read, after, deadline_s=s.stream_deadline_s, poll_s=s.stream_poll_s)
    return Response(events, 200, STREAM_HEADERS, mimetype="text/event-stream")


def run_events(call: Call) -> Reply:
    """The run's events as they are logged, from the start or after ``Last-Event-ID``; a run not the
    workspace's is a 404 before anything streams."""
    c = call.container
    run_id, after = run_id_of(call), _resumed(call)
    viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)
    store, tenants = c.runs.store, c.workspace.cached_tenants()  # read at each poll

    def read(since: int) -> Batch:
        return run_batch(call.tenant_id, run_id, since, store=store, tenants=tenants, viewer=viewer)

    first = read(after)  # refused here, in the request, when the run is not theirs to see
    return _stream(call, _first_then(first, after, read), after)


def session_events(call: Call) -> Reply:
    """The caller's session's messages as they settle, from the start or after ``Last-Event-ID``;
    another person's session is a 404 before anything streams."""
    if call.member is None:
        raise NotFound(NOT_YOURS)
    store, member_id = call.container.sessions.sessions, call.member.member_id
    session = session_of(store, call.tenant_id, call.member, session_id_of(call))
    after = _resumed(call)

    def read(since: int) -> Batch:
        return session_batch(store, call.tenant_id, member_id, session.session_id, since)

    return _stream(call, read, after)


def _first_then(first: Batch, after: int, read: Callable[[int], Batch]) -> Callable[[int], Batch]:
    """``read``, whose first call answers ``first`` (already read after ``after``)."""
    pending = [first]

    def once(since: int) -> Batch:
        return pending.pop() if pending and since == after else read(since)

    return once


def session_answer(call: Call) -> Reply:
    """The question of ``request_id`` in the caller's session answered as Ask, within their reach, as a
    stream. ``accepted`` comes at once, before the search and the model; then the answer's text in
    chunks as the model writes it (answered beside the response, its pieces kept on the message:
    ``shared.sessions.services.answer_stream``), and the answer whole. A repeat with ``Last-Event-ID``
    resumes after it with the same ids, asking again only a question nobody is answering. Another
    person's session is a 404 before anything streams."""
    body = parse_json(call.request, NewAnswer)
    member = person(call)
    tenant = require_connected(call.tenant_id, call.tenants)
    c = call.container
    store, settings = c.sessions.sessions, c.settings
    session_id = session_of(store, call.tenant_id, member, session_id_of(call)).session_id
    after = _resumed(call)
    deps, tenants, via = c.engine(with_model=True), call.tenants, call.via

    def events() -> Iterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        sent = after
        if sent < ACCEPTED:
            yield frame(ACCEPTED, "accepted", {"request_id": body.request_id})
            sent = ACCEPTED
        session, message, new = receive_message(
            store, tenant.tenant_id, member, session_id, text=body.text, act="ask", key=body.request_id
        )
        if message.act != "ask":
            yield frame(
                None,
                "refused",
                {"reason": f"request_id {message.key} names a message that is not a question"},
            )
            return
        asked = Asked(store, tenant.tenant_id, member.member_id, session_id, message)
        if asked.answered_here(new):
            said = Said(tenant, member, session, message, [])
            read = answer_beside(
                asked,
                lambda live: act_on(deps, store, tenants, said, via=via, live=live),
                settings.stream_poll_s,
            )
        else:
            read = asked.reader(settings.stream_poll_s)
        yield from answer_frames(read, sent, deadline_s=settings.stream_deadline_s)

    return Response(events(), 200, STREAM_HEADERS, mimetype="text/event-stream")
