"""A WSGI app served on 127.0.0.1 from a background thread, quietly: what every sandbox (Notion's, the
code services', Linear's, GitLab's, Motion's) is served by in tests and the local stack."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


class ThreadedServer:
    """Serves ``app`` on 127.0.0.1:``port`` (0: a free one) from a daemon thread named ``name``; a
    request log on stderr only when not ``quiet``. ``start``/``stop`` or a ``with`` block."""

    def __init__(self, app: Any, name: str, port: int = 0, quiet: bool = True) -> None:
        handler = _Quiet if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(HOST, port, app, threaded=True, request_handler=handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )  # a short poll makes stop() prompt

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def serving[S: socketserver.BaseServer](server: S) -> Iterator[S]:
    """``server`` (any socketserver, e.g. a ThreadingHTTPServer) served from a daemon thread for the
    ``with`` block, then shut down, closed and its thread joined."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
