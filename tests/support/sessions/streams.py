"""Reading the api's Server-Sent Events in tests: a stream's frames, following one by reconnecting
with the last id until it ends, and reading one as it comes (:class:`Reader`)."""

import json
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.test import TestResponse

type Frame = tuple[int | None, str, dict[str, Any]]  # (id, event, data)


def frames(text: str) -> list[Frame]:
    """The events of a stream's text, comments and ``retry`` aside."""
    found: list[Frame] = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":")
        if "event" in fields:
            event_id = int(fields["id"]) if "id" in fields else None
            found.append((event_id, fields["event"], json.loads(fields["data"])))
    return found


def follow(
    open_stream: Callable[[dict[str, str]], TestResponse], connections: int = 50
) -> tuple[list[Frame], int]:
    """The events of a stream followed as an EventSource does (reconnecting with ``Last-Event-ID``
    after each ``deadline``) until it ends: every event received, and how many connections it took."""
    received: list[Frame] = []
    last: int | None = None
    for n in range(1, connections + 1):
        answer = open_stream({"Last-Event-ID": str(last)} if last is not None else {})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.mimetype == "text/event-stream"
        got = frames(answer.get_data(as_text=True))
        received += [f for f in got if f[0] is not None]
        last = next((f[0] for f in reversed(received)), last)
        if got and got[-1][1] == "end":
            return received, n
    raise AssertionError(f"the stream did not end in {connections} connections")


class Reader:
    """A streamed response read as it comes, frame by frame (its app iterator, never buffered)."""

    def __init__(self, response: TestResponse) -> None:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        self._parts: Iterator[bytes] = iter(response.response)  # type: ignore[arg-type]  # bytes from the app
        self._text, self.got = "", list[Frame]()

    def until(self, kind: str) -> list[Frame]:
        """Frames until one of ``kind`` came (included); all of them once it ended."""
        while not any(f[1] == kind for f in self.got):
            part = next(self._parts, None)
            if part is None:
                break
            self._text += part.decode() if isinstance(part, bytes) else part
            self.got = frames(self._text[: self._text.rfind("\n\n") + 2])
        return self.got
