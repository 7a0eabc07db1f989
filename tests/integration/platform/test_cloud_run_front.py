"""Cloud Run's front, as the local stack stands it in front of the task functions (local.cloud_run_front):
IAM's answers (403 without a token or for an account without run.invoker, 401 for a token it cannot
accept) and the token forwarded with its signature replaced by SIGNATURE_REMOVED_BY_GOOGLE, so a task
from the Cloud Tasks emulator reaches the real plan function and passes its production check."""

import base64
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import pytest
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport
from werkzeug.serving import make_server

from functions._http import app
from local.cloud_run_front import SIGNATURE_REMOVED, CloudRunFront, Service
from local.notion_sandbox.testing import QuietHandler
from local.processes import free_port
from local.tasks_emulator import TasksEmulator, mint_id_token
from shared.platform.adapters.cloud_tasks import CloudTaskQueue
from shared.platform.config import Settings
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from tests.support.platform.fake_container import PLAN_BODY, FakeContainer

pytestmark = pytest.mark.integration

TASKS = "na-tasks-invoker@p.iam.gserviceaccount.com"
STRANGER = "someone@p.iam.gserviceaccount.com"


class Plan:
    """The real plan function (fake ports behind it) behind the front; what reached it is kept."""

    def __init__(self) -> None:
        self.front_port, self.container_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.front_port}"
        self.container = FakeContainer()
        self.container.settings = Settings(
            gcp_project="p", region="r", tasks_service_account=TASKS, plan_url=self.url
        )
        self.received: list[dict[str, str]] = []
        wsgi = app("plan", self.container)

        def recording(environ: dict[str, Any], start_response: Any) -> Any:
            self.received.append({k: v for k, v in environ.items() if k.startswith("HTTP_")})
            return wsgi(environ, start_response)

        self.server = make_server(
            "127.0.0.1", self.container_port, recording, threaded=True, request_handler=QuietHandler
        )
        service = Service(self.front_port, f"http://127.0.0.1:{self.container_port}", frozenset({TASKS}))
        self.front = CloudRunFront([service])

    def post(self, headers: dict[str, str], body: dict[str, Any] = PLAN_BODY) -> int:
        request = urllib.request.Request(
            self.url + "/", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"} | headers,
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code


@pytest.fixture
def plan() -> Iterator[Plan]:
    running = Plan()
    threading.Thread(target=running.server.serve_forever, daemon=True).start()
    running.front.start()
    try:
        yield running
    finally:
        running.front.stop()
        running.server.shutdown()
        running.server.server_close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_invokers_token_reaches_the_function_stripped_of_its_signature(plan: Plan) -> None:
    token = mint_id_token(TASKS, plan.url)
    assert plan.post(bearer(token)) == 200
    assert plan.container.store.runs  # the run was started: the function's own check passed
    header, claims, _ = token.split(".")
    assert plan.received[-1]["HTTP_AUTHORIZATION"] == f"Bearer {header}.{claims}.{SIGNATURE_REMOVED}"


def test_a_request_without_a_trace_gets_one_and_a_traced_one_keeps_its_own(plan: Plan) -> None:
    """Cloud Run adds X-Cloud-Trace-Context to a request that carries no trace."""
    token = mint_id_token(TASKS, plan.url)
    assert plan.post(bearer(token)) == 200
    assert re.fullmatch(r"[0-9a-f]{32}/\d+;o=0", plan.received[-1]["HTTP_X_CLOUD_TRACE_CONTEXT"])
    traced = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    assert plan.post(bearer(token) | traced) == 200
    assert "HTTP_X_CLOUD_TRACE_CONTEXT" not in plan.received[-1]
    assert plan.received[-1]["HTTP_TRACEPARENT"] == traced["traceparent"]


def test_iam_answers_for_the_function_and_nothing_reaches_it(plan: Plan) -> None:
    assert plan.post({}) == 403  # no token
    assert plan.post({"Authorization": "Basic dXNlcjpwdw=="}) == 403
    assert plan.post(bearer(mint_id_token(STRANGER, plan.url))) == 403  # no run.invoker
    assert plan.post(bearer(mint_id_token(TASKS, "http://127.0.0.1:9"))) == 401  # another service's
    assert plan.post(bearer(mint_id_token(TASKS, plan.url, now=time.time() - 7200))) == 401  # expired
    token = mint_id_token(TASKS, plan.url)
    assert plan.post(bearer(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))) == 401
    assert plan.post(bearer(token.rsplit(".", 1)[0] + "." + SIGNATURE_REMOVED)) == 401  # not Google's
    assert not plan.received and not plan.container.store.runs


def test_x_serverless_authorization_is_the_token_checked_and_authorization_passes_as_sent(plan: Plan) -> None:
    """As Cloud Run: with both headers it checks X-Serverless-Authorization and leaves Authorization
    alone; the function, which reads Authorization only, refuses such a request."""
    token = mint_id_token(TASKS, plan.url)
    headers = {"X-Serverless-Authorization": f"Bearer {token}", "Authorization": "Bearer anything"}
    assert plan.post(headers) == 401
    seen = plan.received[-1]
    assert seen["HTTP_X_SERVERLESS_AUTHORIZATION"].endswith("." + SIGNATURE_REMOVED)
    assert seen["HTTP_AUTHORIZATION"] == "Bearer anything"
    assert not plan.container.store.runs


def test_a_task_from_the_emulator_passes_the_front_and_the_functions_check(plan: Plan) -> None:
    """The production queue adapter, the Cloud Tasks emulator, Cloud Run's front, the plan function."""
    with TasksEmulator(port=0, admin_port=0) as emulator:
        channel = grpc.insecure_channel(emulator.grpc_address)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
        settings = plan.container.settings
        client.create_queue(
            parent="projects/p/locations/r", queue=tasks_v2.Queue(name=settings.queue_path(Queue.PLAN))
        )
        CloudTaskQueue(client, settings).enqueue(Queue.PLAN, PlanTask.model_validate(PLAN_BODY), "plan-r1")
        deadline = time.monotonic() + 10
        while not emulator.stats()["succeeded"] and time.monotonic() < deadline:
            time.sleep(0.02)
        stats = emulator.stats()
    assert plan.container.store.runs and (stats["succeeded"], stats["failed"]) == (1, 0)
    forwarded = plan.received[-1]["HTTP_AUTHORIZATION"].removeprefix("Bearer ").split(".")
    claims = json.loads(base64.urlsafe_b64decode(forwarded[1] + "=" * (-len(forwarded[1]) % 4)))
    assert forwarded[2] == SIGNATURE_REMOVED and claims["email"] == TASKS and claims["aud"] == plan.url


def test_a_request_past_the_services_timeout_is_a_504_and_an_unreachable_container_a_503() -> None:
    """Cloud Run ends a request still running after the service's request timeout with a 504."""

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(1.0)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    slow = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{slow.server_address[1]}"
    quick, patient, gone = (
        Service(free_port(), upstream, frozenset({TASKS}), 0.3),
        Service(free_port(), upstream, frozenset({TASKS}), 5.0),
        Service(free_port(), f"http://127.0.0.1:{free_port()}", frozenset({TASKS})),
    )
    front = CloudRunFront([quick, patient, gone]).start()
    try:
        statuses = []
        for service in (quick, patient, gone):
            request = urllib.request.Request(
                service.url + "/", data=b"{}", method="POST",
                headers=bearer(mint_id_token(TASKS, service.url)),
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
    finally:
        front.stop()
        slow.shutdown()
        slow.server_close()
    assert statuses == [504, 200, 503]
