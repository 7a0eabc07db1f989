"""The local gateway (local/gateway.py, the load balancer's stand-in) passes an event stream on as it
comes, as the load balancer passes a streamed response through: the first event reaches the browser
before the function has written the next; any other answer is read whole."""

import http.client
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local.gateway import Routes, handler_for
from local.wsgi_thread import ThreadedServer

PAUSE_S = 1.5


def upstream(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """An api whose stream sends one event, waits, then another."""
    start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")])
    yield b"id: 1\nevent: run_event\ndata: {}\n\n"
    time.sleep(PAUSE_S)
    yield b"id: 2\nevent: run_event\ndata: {}\n\n"


def test_the_gateway_passes_an_event_stream_on_as_it_comes(tmp_path: Path) -> None:
    with ThreadedServer(upstream, "stream-upstream") as api:
        routes = Routes(api.url, "http://127.0.0.1:9", "http://127.0.0.1:9", tmp_path)
        gateway = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(routes))
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        try:
            browser = http.client.HTTPConnection("127.0.0.1", gateway.server_address[1], timeout=10)
            started = time.monotonic()
            browser.request("GET", "/api/runs/r1/events")
            answer = browser.getresponse()
            assert answer.status == 200 and answer.getheader("Content-Type") == "text/event-stream"
            first = answer.readline()
            assert first == b"id: 1\n" and time.monotonic() - started < PAUSE_S  # before the second
            rest = answer.read()
            assert rest.endswith(b"id: 2\nevent: run_event\ndata: {}\n\n")
        finally:
            gateway.shutdown()
            gateway.server_close()
