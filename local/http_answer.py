"""How the stand-ins' standard-library HTTP handlers answer: a body with its length and headers, or a
JSON document. One place for the gateway, the Cloud Run front, the Cloud Tasks emulator's admin API,
the Claude stand-in and the test stubs."""

import json
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_answer(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: Iterable[tuple[str, str]]
) -> None:
    """Answer with ``status``, ``headers`` and ``body`` (no body to HEAD, 204 or 304)."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD" and status not in (204, 304):
        handler.wfile.write(body)


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    """Answer ``payload`` as an application/json document with ``status``."""
    send_answer(handler, status, json.dumps(payload).encode(), [("Content-Type", "application/json")])
