"""The test-control HTTP API (JSON, loopback only): see ``TasksEmulator`` for what each does.

GET  /tasks                     pending tasks
GET  /stats                     counters
POST /queues/{queue}:hold       stop automatic dispatch of the queue ({queue}: id or full name)
POST /queues/{queue}:release    resume it
POST /tasks:deliver             {"name": ..., "keep": false} -> {"status": int|null, "error": str}
POST /tasks:drop                {"name": ..., "tombstone": true}
POST /reset                     forget all queues, tasks, tombstones, holds and counters
"""

import json
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote

from local.http_answer import send_json
from local.tasks_emulator._errors import TaskNotFoundError
from local.tasks_emulator._http import AttemptOutcome

_QUEUE_ROUTE = re.compile(r"^/queues/(?P<queue>.+):(?P<verb>hold|release)$")


class Controls(Protocol):
    def pending_tasks(self) -> list[dict[str, Any]]: ...
    def stats(self) -> dict[str, int]: ...
    def hold(self, queue: str) -> None: ...
    def release(self, queue: str) -> None: ...
    def deliver(self, name: str, keep: bool = False) -> AttemptOutcome: ...
    def drop(self, name: str, tombstone: bool = True) -> None: ...
    def reset(self) -> None: ...


class _NoRouteError(LookupError):
    pass


def _route(controls: Controls, method: str, path: str, body: dict[str, Any]) -> Any:
    """The JSON answer to one request (KeyError: a required field is missing)."""
    if method == "GET" and path == "/tasks":
        return {"tasks": controls.pending_tasks()}
    if method == "GET" and path == "/stats":
        return controls.stats()
    if method == "POST" and (match := _QUEUE_ROUTE.match(path)):
        queue = unquote(match["queue"])
        (controls.hold if match["verb"] == "hold" else controls.release)(queue)
        return {"queue": queue, "held": match["verb"] == "hold"}
    if method == "POST" and path == "/tasks:deliver":
        outcome = controls.deliver(str(body["name"]), keep=bool(body.get("keep", False)))
        return {"status": outcome.status, "error": outcome.error}
    if method == "POST" and path == "/tasks:drop":
        controls.drop(str(body["name"]), tombstone=bool(body.get("tombstone", True)))
        return {"dropped": body["name"]}
    if method == "POST" and path == "/reset":
        controls.reset()
        return {}
    raise _NoRouteError(f"no route {method} {path}")


class AdminServer:
    """A threaded HTTP server on 127.0.0.1 exposing ``controls``."""

    def __init__(self, controls: Controls, port: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                    status, answer = HTTPStatus.OK, _route(controls, method, self.path.split("?")[0], body)
                except (TaskNotFoundError, _NoRouteError) as exc:
                    status, answer = HTTPStatus.NOT_FOUND, {"error": str(exc)}
                except KeyError as exc:
                    status, answer = HTTPStatus.BAD_REQUEST, {"error": f"missing field {exc}"}
                except (ValueError, TypeError, AttributeError) as exc:
                    status, answer = HTTPStatus.BAD_REQUEST, {"error": f"bad request: {exc}"}
                send_json(self, status, answer)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests call this a lot
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="tasks-emulator-admin"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
