"""What the api's streams read at each poll (``shared.sessions.domain.streams.event_stream``). A run's log after an event, as the run's timeline shows it to this person (``runs.Viewer``: a run that had
the owner's reach shows someone without it its ids, tools and states, its words hidden). A session's settled messages after a place, its person's alone."""

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.runs.services import run_view, runs
from shared.sessions.domain.sessions import Message, Session
from shared.sessions.domain.streams import Batch, chunks

if TYPE_CHECKING:
    from shared.runs.ports import RunStore
    from shared.sessions.ports import SessionStore
    from shared.workspace.ports import TenantStore

BATCH = 200  # most events or messages one poll reads


def run_batch(
    tenant_id: str,
    run_id: str,
    after: int,
    *,
    store: "RunStore",
    tenants: "TenantStore",
    viewer: "runs.Viewer | None",
) -> Batch:
    """The run's events after seq ``after``, as ``viewer`` may see them (an event's id is its seq: the log is dense, written in whole batches). Also whether the run had ended when
    read (then these are its last). NotFound when the run is not the workspace's (``runs.owned_run``)."""
    run = runs.owned_run(tenant_id, run_id, store, tenants)
    ended = run.state.status in runs.ENDED
    log = store.list_events(tenant_id, run_id, after)[:BATCH]
    shown: list[dict[str, Any]] = [run_view.shown_event(e) for e in log]
    if viewer is not None and viewer.hides(run):
        shown = run_view.within_viewer({"events": shown}, decides=viewer.decides(run))["events"]
    return [(e.seq, "run_event", s) for e, s in zip(log, shown, strict=True)], ended and len(log) < BATCH


def session_batch(
    store: "SessionStore", tenant_id: str, member_id: str, session_id: str, after: int
) -> Batch:
    """The session's messages after place ``after`` that are settled (answered, started, failed), in
    order, stopping at the first still being acted on: it comes once settled, so a reconnect after
    the last id neither skips nor repeats one. A session never ends; its stream ends by its deadline."""
    said = store.messages(tenant_id, member_id, session_id, after, BATCH)
    ready: list[Message] = []
    for message in said:
        if message.state == "received":
            break
        ready.append(message)
    return [(m.place, "message", shown_message(m)) for m in ready], False


_IDS = ("run_id", "conversation_id", "thread")  # kept as "" until there is one; shown as null (decision 0077)


def _shown(record: Session | Message) -> dict[str, Any]:
    """Every field of ``record``, times as ISO 8601, an id not yet given as null (never an empty id
    a client would put in a path)."""
    shown = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(record).items()}
    return shown | {k: shown[k] or None for k in _IDS if k in shown}


def shown_session(session: Session) -> dict[str, Any]:
    """A session as the api shows it, times as ISO 8601."""
    return _shown(session)


def shown_message(message: Message) -> dict[str, Any]:
    """A message as the api shows it (its key is its ``request_id``), times as ISO 8601."""
    shown = _shown(message)
    shown.pop("pieces")  # the stream's own cut of the answer: its chunks
    return {"request_id": shown.pop("key"), **shown}


ACCEPTED = 1  # the id of an answer stream's first event, sent before anything is read or asked


def answer_events(message: Message) -> list[tuple[int, str, dict[str, Any]]]:
    """A question's answer as its stream carries it, from the message as settled: ``accepted`` (id 1),
    then the answer's text in ``chunk`` events, then ``answer`` with the message whole (its citations).
    The chunks (ids 2 on) are the pieces kept on the message as they were sent, else the answer cut
    in :func:`chunks`. Or,
    after the pieces it sent, ``failed`` with the reason. The same message always gives the same events."""
    events: list[tuple[int, str, dict[str, Any]]] = [(ACCEPTED, "accepted", {"request_id": message.key})]
    pieces = message.pieces or ([] if message.state == "failed" else chunks(message.answer))
    for n, piece in enumerate(pieces, start=ACCEPTED + 1):
        events.append((n, "chunk", {"text": piece}))
    if message.state == "failed":
        return [*events, (len(events) + 1, "failed", {"reason": message.reason, "place": message.place})]
    return [*events, (len(events) + 1, "answer", shown_message(message))]
