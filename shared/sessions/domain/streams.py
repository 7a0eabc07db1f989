"""Server-Sent Events, pure: an event's frame (its ``id``, the kind, one JSON line of data). A stream that resumes after a given id, reads what is new at each poll and ends itself by a deadline
(the client reconnects with ``Last-Event-ID``). What a batch holds, and who may see it, is the
caller's (``shared.sessions.services.streams``)."""

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

type Batch = tuple[list[tuple[int, str, dict[str, Any]]], bool]  # (id, kind, data) each, and whether it ended

RETRY_MS = 1000  # how long an EventSource waits before it reconnects


def frame(event_id: int | None, kind: str, data: dict[str, Any]) -> str:
    """One event as the stream carries it; ``event_id`` None: an event of the stream itself (its end),
    which moves no client's ``Last-Event-ID``."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def last_event_id(header: str | None) -> int | None:
    """The id a reconnect resumes after (``Last-Event-ID``): None when absent, ValueError when it is
    not one a stream gave (a count: 0 and up; an empty or blank header is none)."""
    if header is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", header):
        raise ValueError("Last-Event-ID must be the id of an event this stream sent (a count)")
    return int(header)


def event_stream(
    read: Callable[[int], Batch],
    after: int,
    *,
    deadline_s: float,
    poll_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """The events after ``after``, each once and in order, read by ``read(after)`` every ``poll_s``
    seconds: ``end`` once what it follows has ended (all its events sent), ``deadline`` before
    ``deadline_s`` has passed (reconnect then). A comment line at each quiet poll keeps proxies from
    closing it. Ids only grow: a reconnect with the last id received misses nothing and repeats
    nothing."""
    until = clock() + deadline_s
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        events, ended = read(after)
        for event_id, kind, data in events:
            if event_id <= after:  # never again, never out of order
                continue
            yield frame(event_id, kind, data)
            after = event_id
        if ended:
            yield frame(None, "end", {"last_event_id": after})
            return
        if clock() + poll_s >= until:
            yield frame(None, "deadline", {"last_event_id": after, "reconnect": True})
            return
        if not events:
            yield ": waiting\n\n"
        sleep(poll_s)


CHUNK_CHARS = 80  # the most characters of an answer one ``chunk`` event carries


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut after a space where there is one: joined,
    they are ``text`` exactly, and the same text is always cut the same way (a resume's ids hold)."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space + 1 if space > start else end
        pieces.append(text[start:end])
        start = end
    return pieces


def whole_pieces(given: list[str], answer: str) -> list[str]:
    """The pieces of ``answer`` its stream carries: those ``given`` as it was written, then the rest
    of it in :func:`chunks`. ``given`` always begins the answer (Ask gives only what its whole will
    begin with); were it not to, nothing is added: the ``answer`` event carries the text whole."""
    sent = "".join(given)
    return [*given, *chunks(answer[len(sent) :])] if answer.startswith(sent) else list(given)
