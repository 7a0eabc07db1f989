"""The outbound integration tests' fixture: the local receiver (local/hook_receiver.py) served on
127.0.0.1 over real HTTP for each test."""

from collections.abc import Iterator

import pytest

from local.hook_receiver import HookReceiver
from local.wsgi_thread import ThreadedServer


@pytest.fixture
def receiver() -> Iterator[tuple[HookReceiver, ThreadedServer]]:
    """The receiver's app (what it saw, the secrets it verifies with) and its server."""
    app = HookReceiver()
    with app.served() as server:
        yield app, server
