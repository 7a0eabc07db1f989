"""make_app() for in-process use and SandboxServer, a threaded server on 127.0.0.1."""

from __future__ import annotations

from flask import Flask

from local.notion_sandbox.admin import register_admin
from local.notion_sandbox.api import register_api
from local.notion_sandbox.oauth import register_oauth
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.screen import register_screen, register_web_addresses
from local.wsgi_thread import ThreadedServer


def make_app(sandbox: Sandbox | None = None) -> Flask:
    """The WSGI app over `sandbox` (a fresh one with the demo workspace when omitted)."""
    state = sandbox or Sandbox()
    app = Flask("notion_sandbox")
    app.config["SANDBOX"] = state
    register_oauth(app, state)
    register_admin(app, state)
    register_api(app, state)
    register_screen(app, state)  # the screen a person uses (/screen/)
    register_web_addresses(app, state)  # a page's address as Notion's web gives it (/<id>)
    state.webhooks.start()
    return app


class SandboxServer(ThreadedServer):
    """Serves a sandbox on 127.0.0.1:`port` (0 picks a free port) from a background thread; the request
    log lives in the sandbox (GET /_sandbox/requests), not on stderr, when ``quiet``."""

    def __init__(self, sandbox: Sandbox | None = None, port: int = 0, quiet: bool = True) -> None:
        self.sandbox = sandbox or Sandbox()
        super().__init__(make_app(self.sandbox), "notion-sandbox", port, quiet)

    def stop(self) -> None:
        super().stop()
        self.sandbox.webhooks.stop()
