"""The production queue adapter (google-cloud-tasks) against the local Cloud Tasks emulator."""

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import pytest
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

from local.tasks_emulator import TasksEmulator, verify_id_token
from shared.agents.domain.schedule_task import ScheduleTask
from shared.platform.adapters.cloud_tasks import CloudTaskQueue, task_name_for
from shared.platform.config import Settings
from shared.platform.errors import ConfigError
from shared.platform.topology import Queue
from shared.runs.domain.step_task import StepTask

pytestmark = pytest.mark.integration

SA = "tasks-invoker@p.iam.gserviceaccount.com"


@pytest.fixture
def emulator() -> Iterator[TasksEmulator]:
    with TasksEmulator(port=0, admin_port=0) as running:
        yield running


def adapter(
    emulator: TasksEmulator, create_queues: bool = True, url: str = "http://127.0.0.1:9/"
) -> CloudTaskQueue:
    settings = Settings(gcp_project="p", region="r", tasks_service_account=SA, execute_step_url=url)
    channel = grpc.insecure_channel(emulator.grpc_address)
    client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    if create_queues:
        for queue in Queue:
            client.create_queue(
                parent="projects/p/locations/r", queue=tasks_v2.Queue(name=settings.queue_path(queue))
            )
            emulator.hold(settings.queue_path(queue))
    return CloudTaskQueue(client, settings)


BODY = StepTask(tenant_id="t1", run_id="r1", step=3)


def test_a_task_is_named_from_its_identity_and_a_repeat_is_refused_harmlessly(
    emulator: TasksEmulator,
) -> None:
    queue = adapter(emulator)
    assert queue.enqueue(Queue.EXECUTE_STEP, BODY, "step:t1:r1:3")
    assert not queue.enqueue(Queue.EXECUTE_STEP, BODY, "step:t1:r1:3")
    pending = emulator.pending_tasks()
    assert len(pending) == 1
    assert pending[0]["name"].endswith("/tasks/" + task_name_for("step:t1:r1:3"))
    assert json.loads(base64.b64decode(pending[0]["body"])) == BODY.model_dump()
    assert emulator.stats()["duplicates_refused"] == 1


def test_tasks_carry_an_oidc_token_for_the_target_and_a_delay_becomes_a_schedule_time(
    emulator: TasksEmulator,
) -> None:
    queue = adapter(emulator)
    before = datetime.now(UTC).timestamp()
    queue.enqueue(Queue.EXECUTE_STEP, BODY, "later", delay_s=120)
    (task,) = emulator.pending_tasks()
    assert task["url"] == "http://127.0.0.1:9/"
    scheduled = datetime.fromisoformat(task["schedule_time"].replace("Z", "+00:00")).timestamp()
    assert 110 < scheduled - before < 130
    outcome = emulator.deliver(task["name"], keep=True)  # nothing listens on port 9: a failed attempt
    assert outcome.status is None or outcome.status >= 500
    assert task["headers"]["Content-Type"] == "application/json"


def test_a_delivered_task_carries_an_oidc_token_for_the_service_account(emulator: TasksEmulator) -> None:
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        queue = adapter(emulator, url=url)
        queue.enqueue(Queue.EXECUTE_STEP, BODY, "deliver-me")
        emulator.release(queue._settings.queue_path(Queue.EXECUTE_STEP))
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
    scheme, _, token = received[0]["Authorization"].partition(" ")
    claims = verify_id_token(token)
    assert scheme == "Bearer" and claims["email"] == SA and claims["aud"] == url


def test_a_missing_queue_is_a_configuration_error_that_says_what_to_do(emulator: TasksEmulator) -> None:
    with pytest.raises(ConfigError, match="terraform apply"):
        adapter(emulator, create_queues=False).enqueue(Queue.NOTIFY, BODY, "x")


def test_a_body_with_a_route_is_sent_to_that_path_of_its_function(emulator: TasksEmulator) -> None:
    queue = adapter(emulator)
    queue._settings = queue._settings.replace(plan_url="https://plan.example/")
    queue.enqueue(Queue.PLAN, ScheduleTask(after="t1"), "schedule:2026010507:t1")
    queue.enqueue(Queue.EXECUTE_STEP, BODY, "step")
    urls = sorted(task["url"] for task in emulator.pending_tasks())
    assert urls == ["http://127.0.0.1:9/", "https://plan.example/schedule"]


def test_a_task_carries_the_enqueuing_requests_trace_and_its_function_logs_under_it(
    emulator: TasksEmulator,
) -> None:
    """Trace context across a task hop: a task enqueued while a traced request is handled
    carries its trace (traceparent and X-Cloud-Trace-Context); the function the queue delivers it to
    reads it (functions/_http.py handle) and its log lines join the same trace. Outside a request, a
    task carries none."""
    from flask import Flask, request
    from werkzeug.serving import make_server

    from functions._http import handle
    from shared.platform import logs
    from tests.support.platform.cloud_log_lines import cloud_log_lines

    trace, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    app = Flask("receiver")
    with cloud_log_lines("test.task_receiver", "p") as (logger, lines):

        @app.post("/")
        def receive() -> Any:
            def call(_: Any) -> tuple[dict[str, Any], int]:
                logger.info("the step ran")
                return {}, 200

            return handle(request, ("POST",), call)

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            queue = adapter(emulator, url=f"http://127.0.0.1:{server.server_port}/")
            queue.enqueue(Queue.EXECUTE_STEP, BODY, "untraced")
            with logs.log_context(trace=logs.trace_context("", f"00-{trace}-{span}-01")):
                queue.enqueue(Queue.EXECUTE_STEP, StepTask(tenant_id="t1", run_id="r1", step=4), "traced")
            tasks = {t["name"].rsplit("/", 1)[1]: t for t in emulator.pending_tasks()}
            untraced, traced = tasks[task_name_for("untraced")], tasks[task_name_for("traced")]
            assert not {"traceparent", "X-Cloud-Trace-Context"} & set(untraced["headers"])
            assert traced["headers"]["traceparent"] == f"00-{trace}-{span}-01"
            assert traced["headers"]["X-Cloud-Trace-Context"] == f"{trace}/{int(span, 16)};o=1"
            assert emulator.deliver(traced["name"]).status == 200
        finally:
            server.shutdown()
    [line] = lines
    assert line["message"] == "the step ran"
    assert line["logging.googleapis.com/trace"] == f"projects/p/traces/{trace}"
    assert line["logging.googleapis.com/spanId"] == span
    assert line["logging.googleapis.com/trace_sampled"] is True
