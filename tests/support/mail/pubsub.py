"""The Pub/Sub emulator for the mail tests (local.pubsub_emulator), started once for a module, and a
receiver that records each push the emulator makes and answers it with the status a test chose."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from local.processes import ProcessGroup, free_port
from local.pubsub_emulator import answers, emulator_argv


def _pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The emulator's ``host:port`` until the module ends (a JVM: a minute allowed on a loaded machine)."""
    group = ProcessGroup(Path(tmp_path_factory.mktemp("pubsub-logs")))
    port = free_port()
    group.start("pubsub", emulator_argv(port), dict(os.environ))
    try:
        group.wait_until("pubsub", lambda: answers(f"127.0.0.1:{port}"), timeout_s=120.0)
        yield f"127.0.0.1:{port}"
    finally:
        group.stop_all()


pubsub_emulator = pytest.fixture(_pubsub_emulator, scope="module", name="pubsub_emulator")


class Receiver:
    """A WSGI app keeping each request's headers and body (``got``) and answering ``status`` (or,
    while ``answers`` holds statuses, the next of them)."""

    def __init__(self, status: int = 204) -> None:
        self.status, self.answers = status, list[int]()
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            self.got.append((dict(request.headers), request.get_data()))
            status = self.answers.pop(0) if self.answers else self.status
        return Response(status=status)(environ, start_response)
