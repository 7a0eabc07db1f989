"""A loopback HTTP receiver of what the sandbox's Slack delivers (local/code_sandbox/slack_events.py):
each request's path, body and headers kept, answered by ``answer`` (a 200 ``{}`` by default)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request

from local.wsgi_thread import ThreadedServer


@dataclass
class Received:
    requests: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)


@contextmanager
def receiving(
    answer: Callable[[str, bytes, dict[str, str]], Any] | None = None,
) -> Iterator[tuple[str, Received]]:
    """A receiver on 127.0.0.1: its URL and what it received."""
    got, app = Received(), Flask("slack-receiver")

    @app.post("/<path:path>")
    def take(path: str) -> Any:
        body, headers = request.get_data(), dict(request.headers)
        got.requests.append((path, body, headers))
        return answer(path, body, headers) if answer else {}

    with ThreadedServer(app, "slack-receiver") as server:
        yield server.url, got
