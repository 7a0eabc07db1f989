"""A Firestore emulator of a benchmark's own, for as long as the benchmark runs."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.firestore_emulator import emulator_argv
from local.processes import ProcessGroup, free_port, http_answers


@contextmanager
def firestore_emulator() -> Iterator[str]:
    """The emulator's ``host:port`` on 127.0.0.1, stopped (with its process group) on the way out."""
    with tempfile.TemporaryDirectory() as tmp:
        group = ProcessGroup(Path(tmp))
        port = free_port()
        group.start("firestore", emulator_argv(port), dict(os.environ))
        try:
            group.wait_until("firestore", lambda: http_answers(f"http://127.0.0.1:{port}/"))
            yield f"127.0.0.1:{port}"
        finally:
            group.stop_all()
