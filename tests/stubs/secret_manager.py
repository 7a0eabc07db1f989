"""A stub of Secret Manager's REST endpoint (v1), enough for the adapter: create, addVersion,
access latest, delete. It records every request so tests can count calls (e.g. the TTL cache), and
each created secret's replication.

``allowed_locations`` stands for an organisation's resource-location policy
(constraints/gcp.resourceLocations), as Secret Manager's "Choosing a replication policy" page states
it: a secret with automatic replication is created only if creation in ``global`` is allowed, one
with user-managed replication only if every one of its locations is; otherwise the create is refused
(400 FAILED_PRECONDITION, the constraint named)."""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.http_answer import send_json


class SecretManagerStub:
    def __init__(self) -> None:
        self.secrets: dict[str, list[bytes]] = {}
        self.destroyed: dict[str, set[int]] = {}
        self.requests: list[tuple[str, str]] = []
        self.replication: dict[str, dict[str, Any]] = {}  # each created secret's, as sent
        self.allowed_locations: set[str] | None = None  # None: no location policy
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                send_json(self, status, body)

            def _route(self, method: str) -> None:
                stub.requests.append((method, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, reply = stub.handle(method, self.path, body)
                self._send(status, reply)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        not_found = {"error": {"code": 404, "message": "Secret not found", "status": "NOT_FOUND"}}
        if m := re.fullmatch(r"/v1/projects/([^/]+)/secrets\?secretId=([\w-]+).*", path):
            if m.group(2) in self.secrets:
                return 409, {"error": {"code": 409, "message": "exists", "status": "ALREADY_EXISTS"}}
            replication = body.get("replication") or {}
            if refused := self._location_refusal(replication):
                return 400, refused
            self.secrets[m.group(2)] = []
            self.replication[m.group(2)] = replication
            return 200, {"name": f"projects/{m.group(1)}/secrets/{m.group(2)}"}
        if m := re.fullmatch(r"/v1/projects/([^/]+)/secrets/([\w-]+):addVersion.*", path):
            if m.group(2) not in self.secrets:
                return 404, not_found
            self.secrets[m.group(2)].append(base64.b64decode(body["payload"]["data"]))
            version = len(self.secrets[m.group(2)])
            return 200, {"name": f"projects/{m.group(1)}/secrets/{m.group(2)}/versions/{version}"}
        if m := re.fullmatch(r"/v1/projects/([^/]+)/secrets/([\w-]+)/versions/latest:access.*", path):
            versions = self.secrets.get(m.group(2))
            if not versions:
                return 404, not_found
            data = base64.b64encode(versions[-1]).decode()
            return 200, {
                "name": f"projects/{m.group(1)}/secrets/{m.group(2)}/versions/{len(versions)}",
                "payload": {"data": data},
            }
        if m := re.fullmatch(r"/v1/projects/([^/]+)/secrets/([\w-]+)/versions/(\d+):destroy.*", path):
            versions = self.secrets.get(m.group(2))
            number = int(m.group(3))
            if versions is None or number > len(versions):
                return 404, not_found
            if number in self.destroyed.setdefault(m.group(2), set()):
                return 400, {
                    "error": {"code": 400, "message": "already destroyed", "status": "FAILED_PRECONDITION"}
                }
            self.destroyed[m.group(2)].add(number)
            name = f"projects/{m.group(1)}/secrets/{m.group(2)}/versions/{number}"
            return 200, {"name": name, "state": "DESTROYED"}
        if method == "DELETE" and (m := re.fullmatch(r"/v1/projects/([^/]+)/secrets/([\w-]+).*", path)):
            if self.secrets.pop(m.group(2), None) is None:
                return 404, not_found
            return 200, {}
        return 404, {"error": {"code": 404, "message": f"no route {method} {path}", "status": "NOT_FOUND"}}

    def _location_refusal(self, replication: dict[str, Any]) -> dict[str, Any] | None:
        """The policy's refusal of a create with this replication; None when it is allowed."""
        if "automatic" in replication:
            locations = ["global"]
        else:
            replicas = (replication.get("userManaged") or {}).get("replicas") or []
            locations = [replica.get("location", "") for replica in replicas]
        if not locations:
            return {
                "error": {"code": 400, "message": "replication is required", "status": "INVALID_ARGUMENT"}
            }
        if self.allowed_locations is None or set(locations) <= self.allowed_locations:
            return None
        message = f"Constraint constraints/gcp.resourceLocations violated for locations {sorted(locations)}"
        return {"error": {"code": 400, "message": message, "status": "FAILED_PRECONDITION"}}

    def __enter__(self) -> "SecretManagerStub":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
