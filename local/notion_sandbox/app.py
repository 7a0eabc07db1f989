"""make_app() for in-process use and SandboxServer, a threaded server on 127.0.0.1."""

from __future__ import annotations

import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from local.notion_sandbox.admin import register_admin
from local.notion_sandbox.api import register_api
from local.notion_sandbox.oauth import register_oauth
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.screen import register_screen

HOST = "127.0.0.1"


def make_app(sandbox: Sandbox | None = None) -> Flask:
    """The WSGI app over `sandbox` (a fresh one with the demo workspace when omitted)."""
    state = sandbox or Sandbox()
    app = Flask("notion_sandbox")
    app.config["SANDBOX"] = state
    register_oauth(app, state)
    register_admin(app, state)
    register_api(app, state)
    register_screen(app, state)  # the screen a person uses (/screen/)
    state.webhooks.start()
    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The request log lives in the sandbox (GET /_sandbox/requests), not on stderr."""


class SandboxServer:
    """Serves a sandbox on 127.0.0.1:`port` (0 picks a free port) from a background thread."""

    def __init__(self, sandbox: Sandbox | None = None, port: int = 0, quiet: bool = True) -> None:
        self.sandbox = sandbox or Sandbox()
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(
            HOST, port, make_app(self.sandbox), threaded=True, request_handler=handler
        )
        self._thread = threading.Thread(target=self.serve_forever, name="notion-sandbox", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a short poll makes stop() prompt

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.sandbox.webhooks.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
