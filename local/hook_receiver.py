"""A webhook receiver for the local stack and the tests: a tiny WSGI app on 127.0.0.1 that takes
``POST /<path>`` deliveries and records each arrival (its ``webhook-id``, timestamp, whether its
``webhook-signature`` verifies with the endpoint's secret, its body). As a receiver should, it
processes each ``webhook-id`` once (``processed``) and answers a repeat 200. ``fail_next`` makes
the next answers 500s, ``down`` makes every answer one (a broken receiver)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from local.wsgi_thread import ThreadedServer

type StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Arrival:
    """One request as it came: its path, headers of Standard Webhooks, body, and the answer given."""

    path: str
    webhook_id: str
    timestamp: str
    signature: str
    body: str
    status: int
    verified: bool | None = None  # None: no secret was given for its path


@dataclass
class HookReceiver:
    """The app and what it saw; ``secrets`` by path verify signatures (``whsec_...``)."""

    secrets: dict[str, str] = field(default_factory=dict)
    arrivals: list[Arrival] = field(default_factory=list)
    processed: dict[str, str] = field(default_factory=dict)  # webhook-id -> body, the first time
    fail_next: int = 0
    down: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(size, 1_000_000)).decode(errors="replace")
        path = environ.get("PATH_INFO", "/")
        got = {k: environ.get(f"HTTP_{k.upper().replace('-', '_')}", "") for k in _HEADERS}
        with self._lock:
            failing = self.down or self.fail_next > 0
            self.fail_next = max(0, self.fail_next - 1)
            status = 500 if environ.get("REQUEST_METHOD") != "POST" or failing else 200
            secret = self.secrets.get(path)
            verified = (
                None
                if secret is None
                else verify(
                    secret, got["webhook-id"], got["webhook-timestamp"], body, got["webhook-signature"]
                )
            )
            if verified is False:
                status = 401
            self.arrivals.append(
                Arrival(
                    path,
                    got["webhook-id"],
                    got["webhook-timestamp"],
                    got["webhook-signature"],
                    body,
                    status,
                    verified,
                )
            )
            if status == 200:
                self.processed.setdefault(got["webhook-id"], body)
        start(f"{status} {'OK' if status == 200 else 'Refused'}", [("Content-Type", "application/json")])
        return [json.dumps({"ok": status == 200}).encode()]

    def served(self) -> ThreadedServer:
        """The app on 127.0.0.1 at a free port (``with receiver.served() as server: server.url``)."""
        return ThreadedServer(self, "hook-receiver")


_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def verify(secret: str, webhook_id: str, timestamp: str, body: str, header: str) -> bool:
    """Whether ``header`` (``v1,<base64> ...``) holds the HMAC-SHA256 of ``id.timestamp.body`` under
    the secret's bytes, as Standard Webhooks' receivers check it (compared in constant time)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    )
    for part in header.split():
        version, _, value = part.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False
