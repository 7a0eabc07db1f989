"""A signed GitHub delivery wakes the run waiting for its checks, end to end with
the code sandbox's real deliveries: the waiting step holds no instance (a scheduled retry), the
delivery's signature is checked over the raw body, its GUID de-duplicates it (a redelivery or a
duplicate wakes nothing more), and a forged one is refused with nothing recorded."""

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from functions._http import app
from local.code_sandbox.testing import Admin
from local.wsgi_thread import ThreadedServer, serving
from shared.code.domain import github_events
from shared.engine.services.check_wakeups import CheckWakeups, receive
from shared.platform.config import PlatformSecret
from shared.platform.errors import AgentError, Unauthenticated
from shared.runs.domain.events import RunStatus, ToolResult
from tests.support.code.code_checks import AWAIT, OPEN, start, steps
from tests.support.code.revision_steps import HOOK_SECRET, hook_secrets
from tests.support.engine.deploy_steps import Pair, admin, sandbox
from tests.support.platform.fake_container import FakeContainer
from tests.support.platform.platform_fakes import FakeModel
from tests.support.workspace.workspace_fakes import FakeWebhookEvents

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

KEY = "platform-signing-key-for-tests"
PASSES_LATER = [sys.executable, "-c", "import time; time.sleep(0.5)"]


class Receiver:
    """The webhook endpoint: each delivery's raw body and headers handed to ``receive``."""

    def __init__(self, deps: CheckWakeups) -> None:
        self.deps, self.answers = deps, list[str]()

    def __call__(self, headers: dict[str, str], body: bytes) -> int:
        try:
            self.answers.append(receive(self.deps, "t1", headers, body, datetime.now(UTC)))
        except AgentError as exc:
            self.answers.append(type(exc).__name__)
            return exc.http_status
        return 200


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[Receiver]]]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(holder[0](dict(self.headers.items()), body))
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_port}/github", holder


def wait_for(predicate: Any) -> None:
    for _ in range(300):
        if predicate():
            return
        threading.Event().wait(0.05)
    raise AssertionError("timed out")


def test_a_delivery_wakes_the_waiting_run_once_and_a_forged_one_is_refused(
    sandbox: tuple[str, Admin], admin: Admin, endpoint: tuple[str, list[Receiver]]
) -> None:
    url, holder = endpoint
    admin.set_checks("acme/site", [{"name": "tests", "command": PASSES_LATER}])
    admin.add_hook("acme/site", url, HOOK_SECRET)
    plan = steps(OPEN, AWAIT, ("finish", {"summary": "ready"}))
    pair = Pair(sandbox[0], FakeModel({}))
    ledger = FakeWebhookEvents()
    receiver = Receiver(CheckWakeups(pair.step.store, ledger, pair.queue, hook_secrets()))
    holder.append(receiver)
    start(pair, plan)
    pair.drive()  # the pull request, then its checks still running: a retry scheduled, no task left
    state = pair.state()
    assert state.status == RunStatus.RUNNING and state.retry_at is not None and pair.queue.tasks == []

    wait_for(lambda: receiver.answers)  # the check completed: GitHub's delivery arrives
    assert receiver.answers == ["woken: r1"]
    pair.drive()
    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    [result] = [
        e.output
        for e in pair.step.store.list_events("t1", "r1")
        if isinstance(e, ToolResult) and e.tool == "await_checks"
    ]
    assert (result["state"], result["ready"]) == ("success", True)
    assert admin.repo("acme/site")["pulls"][0]["draft"] is False

    [delivery] = admin.deliveries()
    admin.redeliver(delivery["guid"])  # the same GUID again: recorded once, wakes nothing
    wait_for(lambda: len(receiver.answers) == 2)
    assert receiver.answers[1] == "duplicate" and pair.queue.tasks == []

    body = json.dumps(delivery["payload"]).encode()
    forged = {
        github_events.SIGNATURE_HEADER: webhooks_signature("not-the-secret", body),
        github_events.DELIVERY_HEADER: "forged-1",
        github_events.EVENT_HEADER: "check_run",
    }
    with pytest.raises(Unauthenticated):
        receive(receiver.deps, "t1", forged, body, datetime.now(UTC))
    assert ("t1", "github-forged-1") not in ledger.records  # nothing recorded for a forgery


def webhooks_signature(secret: str, body: bytes) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_the_sandbox_delivers_to_the_api_route_which_wakes_the_run_once(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    """The deployed path: GitHub's stand-in signs and POSTs to ``/github/webhook/t1`` of the api."""
    pair, ledger = Pair(sandbox[0], FakeModel({})), FakeWebhookEvents()
    secrets = hook_secrets()
    secrets.put(PlatformSecret.SESSION_SIGNING_KEY, KEY)
    container = FakeContainer(store=pair.step.store, queue=pair.queue, webhook_events=ledger, secrets=secrets)
    with ThreadedServer(app("api", container), "api") as api:
        admin.set_checks("acme/site", [{"name": "tests", "command": PASSES_LATER}])
        admin.add_hook("acme/site", f"{api.url}/github/webhook/t1", HOOK_SECRET)
        start(pair, steps(OPEN, AWAIT, ("finish", {"summary": "ready"})))
        pair.drive()
        assert pair.state().retry_at is not None and pair.queue.tasks == []  # waiting, no instance held
        wait_for(lambda: any(d["answers"] for d in admin.deliveries()))
        [delivery] = admin.deliveries()
        assert delivery["answers"] == [200] and len(pair.queue.tasks) == 1  # the route woke the run
        pair.drive()
        assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
        admin.redeliver(delivery["guid"])  # a replay: refused, nothing queued
        wait_for(lambda: len(admin.deliveries()[0]["answers"]) == 2)
        assert admin.deliveries()[0]["answers"][1] == 409 and pair.queue.tasks == []
        # t1's signed delivery sent to another workspace's path: that workspace's secret refuses it
        body = json.dumps(delivery["payload"]).encode()
        headers = {
            github_events.SIGNATURE_HEADER: webhooks_signature(HOOK_SECRET, body),
            github_events.DELIVERY_HEADER: "crossed-1",
            github_events.EVENT_HEADER: "check_run",
        }
        crossed = httpx.post(f"{api.url}/github/webhook/t2", content=body, headers=headers)
        assert crossed.status_code == 401 and ("t2", "github-crossed-1") not in ledger.records
