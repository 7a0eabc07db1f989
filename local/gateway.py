"""The local stand-in for the load balancer (terraform/loadbalancer.tf): one origin that serves the
console from ``web/dist`` and routes ``/api/*`` (prefix stripped), ``/oauth/callback`` and
``/notion/webhook`` to their functions; anything else is a 404, as in production. An answer of
``text/event-stream`` is passed on piece by piece as it comes, as the load balancer passes a streamed
response (every other answer is read whole first).

The console's files get the headers the backend bucket adds (terraform/console.tf) except HSTS,
which a plain-http origin must not send; hashed assets are cached for a year, ``index.html`` never.
Run by :class:`local.stack.LocalStack`: ``python -m local.gateway --port P --api URL --oauth-callback
URL --webhook URL --dist DIR``.
"""

import argparse
import http.client
import mimetypes
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from local.http_answer import send_answer

# As terraform/console.tf's backend bucket sends them (HSTS left out: this origin is plain http).
CONSOLE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSET_CACHE = "public, max-age=31536000, immutable"
INDEX_CACHE = "no-cache, no-store, must-revalidate"
# Hop-by-hop headers (RFC 9110, 7.6.1) are the connection's, never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer"}
    | {"transfer-encoding", "upgrade", "host", "content-length"}
)
MAX_BODY = 16 * 1024 * 1024


class Routes:
    """Where each public path goes: a function's base URL, or the console's directory."""

    def __init__(self, api: str, oauth_callback: str, webhook: str, dist: Path) -> None:
        self.api, self.oauth_callback, self.webhook, self.dist = api, oauth_callback, webhook, dist

    def upstream(self, path: str) -> tuple[str, str] | None:
        """(base URL, path to send) of a function, or None for the console's own paths."""
        bare = path.split("?", 1)[0]
        query = path[len(bare) :]
        if bare.startswith("/api/"):
            return self.api, bare[len("/api") :] + query
        if bare == "/oauth/callback":
            return self.oauth_callback, "/" + query
        if bare == "/notion/webhook":
            return self.webhook, "/" + query
        return None

    def file(self, path: str) -> tuple[Path, str] | None:
        """The console's file for a path, with its Cache-Control; None: not one the origin serves."""
        bare = path.split("?", 1)[0]
        if bare in ("/", "/index.html"):
            index = self.dist / "index.html"
            return (index, INDEX_CACHE) if index.is_file() else None
        if bare.startswith("/assets/") and "/.." not in bare and "\\" not in bare:
            candidate = (self.dist / bare.lstrip("/")).resolve()
            if candidate.is_relative_to((self.dist / "assets").resolve()) and candidate.is_file():
                return candidate, ASSET_CACHE
        return None


def handler_for(routes: Routes) -> type[BaseHTTPRequestHandler]:
    class Gateway(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            target = routes.upstream(self.path)
            if target is not None:
                self._proxy(*target)
            elif self.command in ("GET", "HEAD") and (found := routes.file(self.path)):
                self._serve(*found)
            elif self.path.split("?", 1)[0] in ("/", "/index.html"):
                message = b"The console is not built: run `make web`, then reload.\n"
                self._answer(404, message, {"Content-Type": "text/plain; charset=utf-8"})
            else:
                self._answer(404, b"Not Found\n", {"Content-Type": "text/plain"})

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any

        def _proxy(self, base: str, path: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, b"Payload Too Large\n", {"Content-Type": "text/plain"})
                return
            body = self.rfile.read(length) if length else None
            parts = urlsplit(base)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
            try:
                connection.request(self.command, path, body=body, headers=headers)
                answer = connection.getresponse()
                if answer.getheader("Content-Type", "").startswith("text/event-stream"):
                    self._stream(answer)
                    return
                data = answer.read()
            except OSError as exc:
                message = f"the gateway could not reach {base}: {exc}\n".encode()
                self._answer(502, message, {"Content-Type": "text/plain"})
                return
            finally:
                connection.close()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            self._answer(answer.status, data, kept)

        def _stream(self, answer: http.client.HTTPResponse) -> None:
            """An event stream passed on as it comes, each piece at once (as the load balancer passes a
            streamed response through), the connection closed at its end (no length to send)."""
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                while piece := answer.read1(65536):
                    self.wfile.write(piece)
                    self.wfile.flush()
            except OSError:  # the browser left, or the function ended it: the stream is over
                return

        def _serve(self, path: Path, cache: str) -> None:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith("javascript"):
                kind += "; charset=utf-8"
            headers = {"Content-Type": kind, "Cache-Control": cache, **CONSOLE_HEADERS}
            self._answer(200, path.read_bytes(), headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | list[tuple[str, str]]) -> None:
            send_answer(self, status, body, headers.items() if isinstance(headers, dict) else headers)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            # The path without its query: a callback's code and state never reach the log.
            sys.stderr.write(f"gateway: {self.command} {self.path.split('?', 1)[0]} {code}\n")

    return Gateway


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--oauth-callback", required=True)
    parser.add_argument("--webhook", required=True)
    parser.add_argument("--dist", type=Path, required=True)
    args = parser.parse_args()
    routes = Routes(args.api, args.oauth_callback, args.webhook, args.dist.resolve())
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(routes))
    print(f"READY http://127.0.0.1:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
