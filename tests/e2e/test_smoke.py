"""`make smoke` against the local stack behind a front door that routes as the load balancer's URL
map does (terraform/loadbalancer.tf): it passes on the real functions, and fails on a task function
that answers without credentials and on an origin that answers everything."""

import http.client
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from local.http_answer import send_answer
from local.stack import LocalStack
from shared.platform.topology import Target

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
Answer = tuple[int, list[tuple[str, str]], bytes]
Forward = Callable[[str, str, dict[str, str], bytes], Answer]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


def _route(stack: LocalStack, path: str) -> tuple[int, str] | None:
    """(port, path) of the function the URL map sends ``path`` to, None for its 404."""
    bare = urlsplit(path).path
    if bare.startswith("/api/"):
        return stack.ports[Target.API], path[len("/api") :]
    if bare == "/oauth/callback":
        return stack.ports[Target.OAUTH_CALLBACK], path
    if bare == "/notion/webhook":
        return stack.ports[Target.NOTION_WEBHOOK], path
    return None


def _door(forward: Forward) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, payload = forward(self.command, self.path, dict(self.headers), body)
            send_answer(self, status, payload, headers)

        do_GET = do_POST = do_OPTIONS = do_PUT = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def origin(stack: LocalStack) -> Iterator[str]:
    def forward(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        routed = _route(stack, path)
        if routed is None:
            return 404, [("Content-Type", "text/plain")], b"not found"
        port, target = routed
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        payload = answer.read()
        connection.close()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        return answer.status, kept, payload

    yield from _door(forward)


def smoke(url: str, task_urls: str = "") -> subprocess.CompletedProcess[str]:
    command = ["make", "--no-print-directory", "smoke", f"URL={url}"] + (
        [f"TASK_URLS={task_urls}"] if task_urls else []
    )
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)


def test_the_local_stack_passes_the_smoke_test(origin: str) -> None:
    result = smoke(origin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "RESULT checks=8 failed=0"
    assert "PASS the webhook refuses an unsigned delivery" in result.stdout
    assert "PASS security headers are present" in result.stdout


def test_a_task_function_open_to_anyone_fails_it(origin: str, stack: LocalStack) -> None:
    """A task function that answers a stranger (an open door standing for one deployed without its
    IAM and caller checks) fails the smoke test; the stack's own plan function, behind Cloud Run's
    front (local.cloud_run_front) and checking its caller in code, and an IAM-guarded one pass."""
    open_door = _door(lambda *_: (200, [("Content-Type", "application/json")], b"{}"))
    guarded = _door(lambda *_: (403, [], b"Forbidden: no credentials"))
    open_url, iam_url = next(open_door), next(guarded)
    try:
        result = smoke(origin, f"{stack.url(Target.PLAN)} {iam_url} {open_url}")
    finally:
        next(guarded, None)
        next(open_door, None)
    assert result.returncode != 0
    assert result.stdout.splitlines()[-1] == "RESULT checks=11 failed=1"
    assert f"FAIL {open_url} refuses a call without credentials" in result.stdout
    assert f"PASS {stack.url(Target.PLAN)} refuses a call without credentials" in result.stdout
    assert f"PASS {iam_url} refuses a call without credentials" in result.stdout


def test_an_origin_that_answers_everything_fails_it() -> None:
    door = _door(lambda *_: (200, [("Content-Type", "application/json")], b"{}"))
    url = next(door)
    try:
        result = smoke(url)
    finally:
        next(door, None)
    assert result.returncode != 0
    assert result.stdout.splitlines()[-1] == "RESULT checks=8 failed=8"


def test_make_smoke_without_a_url_says_how_to_run_it() -> None:
    result = subprocess.run(["make", "smoke"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "usage: make smoke URL=https://" in result.stderr
