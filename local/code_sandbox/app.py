"""make_app() for in-process use and CodeSandboxServer, a threaded server on 127.0.0.1 with the SMTP
relay beside it."""

from __future__ import annotations

import ssl
import threading
from types import TracebackType

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from local.code_sandbox.admin import register_admin
from local.code_sandbox.sandbox import CodeSandbox
from local.code_sandbox.smtp_relay import SmtpRelay

HOST = "127.0.0.1"
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def make_app(sandbox: CodeSandbox | None = None) -> Flask:
    """The WSGI app: GitHub under /github, Vercel under /vercel, Slack's Web API under /slack/api,
    Discord's under /discord/api/v10, the admin API under /_sandbox."""
    state = sandbox or CodeSandbox()
    app = Flask("code_sandbox")
    app.config["SANDBOX"] = state

    @app.route("/github/<path:path>", methods=METHODS)
    def github(path: str) -> Response:
        return state.serve("github", path, request)

    @app.route("/vercel/<path:path>", methods=METHODS)
    def vercel(path: str) -> Response:
        return state.serve("vercel", path, request)

    @app.route("/slack/api/<path:path>", methods=METHODS)
    def slack(path: str) -> Response:
        return state.serve("slack", path, request)

    @app.route("/discord/api/v10/<path:path>", methods=METHODS)
    def discord(path: str) -> Response:
        return state.serve("discord", path, request)

    register_admin(app, state)
    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The request log lives in the sandbox (GET /_sandbox/requests), not on stderr."""


class CodeSandboxServer:
    """Serves a sandbox on 127.0.0.1:`port` (0 picks a free port) from a background thread, and its SMTP
    relay on 127.0.0.1:`smtp_port` (the same). Both ports are bound here; both stop together.

    ``smtp_tls_context`` (a server context) makes the relay offer STARTTLS, or speak TLS from the first
    byte with ``smtp_implicit_tls``: for the SMTP adapter's tests."""

    def __init__(
        self,
        sandbox: CodeSandbox | None = None,
        port: int = 0,
        quiet: bool = True,
        *,
        smtp_port: int = 0,
        smtp_tls_context: ssl.SSLContext | None = None,
        smtp_implicit_tls: bool = False,
    ) -> None:
        self.sandbox = sandbox or CodeSandbox()
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(
            HOST, port, make_app(self.sandbox), threaded=True, request_handler=handler
        )
        try:
            self.smtp = SmtpRelay(self.sandbox, smtp_port, smtp_tls_context, smtp_implicit_tls)
        except BaseException:
            self._server.server_close()
            raise
        self.sandbox.smtp_port = self.smtp.port
        self._thread = threading.Thread(target=self._serve, name="code-sandbox", daemon=True)

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_port}"

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a short poll makes stop() prompt

    def start(self) -> CodeSandboxServer:
        try:
            self.smtp.start()
        except BaseException:
            self._server.server_close()
            self.smtp.stop()
            raise
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.smtp.stop()

    def __enter__(self) -> CodeSandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
