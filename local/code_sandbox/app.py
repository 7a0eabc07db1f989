"""make_app() for in-process use and CodeSandboxServer, a threaded server on 127.0.0.1 with the SMTP
relay beside it."""

from __future__ import annotations

import ssl
from typing import Self

from flask import Flask, request

from local.code_sandbox import slack_events
from local.code_sandbox.admin import register_admin
from local.code_sandbox.sandbox import CodeSandbox
from local.code_sandbox.smtp_relay import SmtpRelay
from local.wsgi_thread import ThreadedServer

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
PREFIXES = {
    "github": "/github",
    "vercel": "/vercel",
    "slack": "/slack/api",
    "slack_oauth": "/slack/oauth",  # Slack's install page (local/code_sandbox/slack_oauth.py)
    "discord": "/discord/api/v10",
}


def make_app(sandbox: CodeSandbox | None = None) -> Flask:
    """The WSGI app: GitHub under /github, Vercel under /vercel, Slack's Web API under /slack/api (its
    install page under /slack/oauth), Discord's under /discord/api/v10, the admin API under /_sandbox."""
    state = sandbox or CodeSandbox()
    app = Flask("code_sandbox")
    app.config["SANDBOX"] = state

    for service, prefix in PREFIXES.items():
        app.add_url_rule(
            f"{prefix}/<path:path>",
            service,
            lambda path, service=service: state.serve(service, path, request),
            methods=METHODS,
        )

    register_admin(app, state)
    slack_events.register(app, state)  # a person's Slack messages and commands, sent to the app
    return app


class CodeSandboxServer(ThreadedServer):
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
        super().__init__(make_app(self.sandbox), "code-sandbox", port, quiet)
        try:
            self.smtp = SmtpRelay(self.sandbox, smtp_port, smtp_tls_context, smtp_implicit_tls)
        except BaseException:
            self._server.server_close()
            raise
        self.sandbox.smtp_port = self.smtp.port

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    def start(self) -> Self:
        try:
            self.smtp.start()
        except BaseException:
            self._server.server_close()
            self.smtp.stop()
            raise
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.smtp.stop()
