"""The local stand-in for Cloud Run's front of the task functions (plan, execute-step, deploy, notify):
IAM checks a request's ID token before the container sees it and answers a failed check itself; a
request that passes goes on with the token's signature replaced by ``SIGNATURE_REMOVED_BY_GOOGLE``, as
Cloud Run passes it to the container (Cloud Run docs: "Authenticating service-to-service";
"Troubleshoot Cloud Run", signature removed). So the functions run the production check locally.

Per listening port (one Cloud Run service each), as Cloud Run does for a service without public access:

- the token is ``X-Serverless-Authorization``'s if that header is present, else ``Authorization``'s
  (``Bearer``); the header it came in is forwarded stripped, the other one as sent;
- no token: 403; a token it cannot accept (not signed with the tasks emulator's key, the local
  stand-in for Google's; expired; another issuer; an audience other than the service's URL): 401; a
  valid token of an account without ``roles/run.invoker`` on the service: 403;
- a request without a trace gets one: ``X-Cloud-Trace-Context`` (``TRACE/SPAN;o=0``) as Cloud Run
  adds it to each request it forwards;
- the request timeout: no answer from the container within the service's timeout is a 504; a
  container that cannot be reached (starting, killed) is a 503.

Not reproduced: custom audiences, ingress settings, Cloud Run's other request headers, its
concurrency (docs/local-stack.md, the stand-ins table).
Run by :class:`local.stack.LocalStack`: ``python -m local.cloud_run_front --service PORT UPSTREAM
INVOKER[,INVOKER] TIMEOUT_S [--service ...]``.
"""

import argparse
import http.client
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from local.gateway import HOP_BY_HOP, MAX_BODY
from local.http_answer import send_answer
from local.tasks_emulator import verify_id_token

SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE"
TOKEN_HEADERS = ("X-Serverless-Authorization", "Authorization")  # the first present is the one checked


@dataclass(frozen=True)
class Service:
    """One Cloud Run service: the port its URL names, its container's URL, its invokers and its
    request timeout (the function's ``timeout_seconds``)."""

    port: int
    upstream: str
    invokers: frozenset[str]
    timeout_s: float = 300.0

    @property
    def url(self) -> str:
        """The service's URL: the audience its tokens must name."""
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Verdict:
    """IAM's answer: ``status`` 0 to let the request through with ``headers``, else 401 or 403."""

    status: int
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()


def admit(service: Service, headers: Iterable[tuple[str, str]]) -> Verdict:
    """Check a request's ID token as Cloud Run's IAM does; the headers to forward if it passes."""
    sent = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
    present = {k.lower(): v for k, v in sent}
    checked = next((h for h in TOKEN_HEADERS if h.lower() in present), None)
    scheme, _, token = present.get(checked.lower(), "").partition(" ") if checked else ("", "", "")
    if not checked or scheme.lower() != "bearer" or not token.strip():
        return Verdict(403, "Your client does not have permission to get URL from this server.")
    try:
        claims = verify_id_token(token.strip(), audience=service.url)
    except ValueError:
        return Verdict(401, "The request was not authorized to invoke this service.")
    if claims.get("email") not in service.invokers or claims.get("email_verified") is not True:
        return Verdict(403, "Your client does not have permission to get URL from this server.")
    header, payload, _ = token.strip().split(".")
    stripped = f"Bearer {header}.{payload}.{SIGNATURE_REMOVED}"
    forwarded = [(k, stripped if k.lower() == checked.lower() else v) for k, v in sent]
    if not {"x-cloud-trace-context", "traceparent"} & present.keys():
        trace = f"{secrets.token_hex(16)}/{secrets.randbelow(2**63) + 1};o=0"
        forwarded.append(("X-Cloud-Trace-Context", trace))
    return Verdict(0, headers=tuple(forwarded))


def handler_for(service: Service) -> type[BaseHTTPRequestHandler]:
    class Front(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, b"Payload Too Large\n", [("Content-Type", "text/plain")])
                return
            body = self.rfile.read(length) if length else None
            verdict = admit(service, self.headers.items())
            if verdict.status:
                message = f"<html><title>{verdict.status}</title>{verdict.reason}</html>\n".encode()
                self._answer(verdict.status, message, [("Content-Type", "text/html; charset=UTF-8")])
                return
            parts = urlsplit(service.upstream)
            connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=service.timeout_s
            )
            try:
                connection.request(self.command, self.path, body=body, headers=dict(verdict.headers))
                answer = connection.getresponse()
                data = answer.read()
            except TimeoutError:  # past the request timeout: Cloud Run ends the request with a 504
                self._answer(504, b"upstream request timeout\n", [("Content-Type", "text/plain")])
                return
            except OSError:  # the container is not up (starting, killed): Cloud Run answers 503
                self._answer(503, b"Service Unavailable\n", [("Content-Type", "text/plain")])
                return
            finally:
                connection.close()
            self._answer(
                answer.status, data, [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            )

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any

        def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            send_answer(self, status, body, headers)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass  # the function logs its requests; Authorization never reaches a log here

    return Front


class CloudRunFront:
    """Every service's front, each on its own port, served by threads until :meth:`stop`."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.services = list(services)
        self._servers = [ThreadingHTTPServer(("127.0.0.1", s.port), handler_for(s)) for s in self.services]
        for server in self._servers:
            server.daemon_threads = True

    def start(self) -> "CloudRunFront":
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "CloudRunFront":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--service", nargs=4, action="append", required=True, metavar=("PORT", "URL", "INVOKERS", "TIMEOUT_S")
    )
    args = parser.parse_args()
    services = [
        Service(int(port), url, frozenset(who.split(",")), float(timeout))
        for port, url, who, timeout in args.service
    ]
    front = CloudRunFront(services).start()
    print("READY " + " ".join(s.url for s in services), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        front.stop()


if __name__ == "__main__":
    main()
