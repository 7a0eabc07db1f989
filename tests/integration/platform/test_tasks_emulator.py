"""The local Cloud Tasks emulator, driven only through the real google-cloud-tasks client.

A receiver on 127.0.0.1 records every request it gets and answers what a test scripts (200 by
default). Each test uses its own queue on one shared emulator; backoffs are tenths of seconds.
"""

import base64
import itertools
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.api_core import exceptions
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport
from google.protobuf import duration_pb2

from local.tasks_emulator import TasksEmulator, verify_id_token
from local.tasks_emulator._policy import retry_delay

pytestmark = pytest.mark.integration

LOCATION = "projects/notion-agent-local/locations/europe-west1"
SERVICE_ACCOUNT = "tasks-invoker@notion-agent-local.iam.gserviceaccount.com"
REPO = Path(__file__).resolve().parents[3]


@dataclass
class Received:
    path: str
    method: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float


class Receiver:
    """An HTTP target that records requests; scripted statuses per path, then 200."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.cond = threading.Condition()
        self.statuses: dict[str, list[int]] = {}
        self.delays: dict[str, float] = {}
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.cond:
                    now_in_flight = receiver.in_flight.get(self.path, 0) + 1
                    receiver.in_flight[self.path] = now_in_flight
                    peak = receiver.max_in_flight.get(self.path, 0)
                    receiver.max_in_flight[self.path] = max(peak, now_in_flight)
                    script = receiver.statuses.get(self.path, [])
                    status = script.pop(0) if script else 200
                time.sleep(receiver.delays.get(self.path, 0.0))
                with receiver.cond:
                    receiver.in_flight[self.path] -= 1
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.requests.append(Received(self.path, self.command, headers, body, time.time()))
                    receiver.cond.notify_all()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the emulator gave up waiting (dispatch deadline)

            do_POST = do_PUT = do_GET = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def respond(self, path: str, *statuses: int) -> None:
        with self.cond:
            self.statuses[path] = list(statuses)

    def received(self, path: str) -> list[Received]:
        with self.cond:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 5.0) -> list[Received]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.received(path)) >= count, timeout)
        got = self.received(path)
        assert len(got) >= count, f"{path}: {len(got)} of {count} requests after {timeout}s"
        return got


@pytest.fixture(scope="module")
def emulator() -> Iterator[TasksEmulator]:
    with TasksEmulator(min_dispatch_deadline_s=0.2) as running:
        yield running


def client_for(address: str) -> tasks_v2.CloudTasksClient:
    return tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(address))
    )


@pytest.fixture(scope="module")
def client(emulator: TasksEmulator) -> tasks_v2.CloudTasksClient:
    return client_for(emulator.grpc_address)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    yield target
    target.server.shutdown()
    target.server.server_close()


def seconds(value: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromMicroseconds(int(value * 1_000_000))
    return d


def new_queue(client: tasks_v2.CloudTasksClient, **config: Any) -> str:
    name = f"{LOCATION}/queues/q-{uuid.uuid4().hex[:12]}"
    return client.create_queue(parent=LOCATION, queue=tasks_v2.Queue(name=name, **config)).name


def http_task(queue: str, url: str, task_id: str | None = None, **fields: Any) -> tasks_v2.Task:
    request = fields.pop("http", {})
    task = tasks_v2.Task(http_request=tasks_v2.HttpRequest(url=url, **request), **fields)
    if task_id:
        task.name = f"{queue}/tasks/{task_id}"
    return task


def settle(probe: Callable[[], Any], until: Callable[[Any], bool] = bool, timeout: float = 10.0) -> Any:
    """Return probe()'s first value that satisfies until, polling for timeout seconds.

    A loaded machine (CI's two cores) can start an attempt late; the assertions that
    follow check what the attempt did, not how soon it came.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def gone(client: tasks_v2.CloudTasksClient, name: str, task_id: str | None = None) -> bool:
    """Whether the task (its full name, or a queue and a task id) is no longer held by the emulator."""
    try:
        client.get_task(name=f"{name}/tasks/{task_id}" if task_id else name)
    except exceptions.NotFound:
        return True
    return False


def admin(emulator: TasksEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(emulator.admin_url + path, data=data, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# 127.0.0.1, as an IPv4 socket or as gRPC's IPv4-mapped IPv6 socket (::ffff:127.0.0.1).
LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F"}


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel prints them) of TCP sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_task_is_delivered_with_cloud_tasks_headers_and_body(
    client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    created = client.create_task(
        parent=queue,
        task=http_task(
            queue,
            receiver.url("/plan?x=1"),
            "step-1",
            http={"body": b'{"run": 1}', "headers": {"Content-Type": "application/json", "X-Trace": "abc"}},
        ),
    )
    assert created.name == f"{queue}/tasks/step-1"
    assert created.view == tasks_v2.Task.View.BASIC
    assert created.http_request.body == b""  # BASIC omits the body
    assert created.dispatch_deadline == timedelta(minutes=10)
    [got] = receiver.wait_for("/plan?x=1", 1)
    assert (got.method, got.body) == ("POST", b'{"run": 1}')
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-trace"] == "abc"
    assert got.headers["user-agent"] == "Google-Cloud-Tasks"
    assert got.headers["x-cloudtasks-queuename"] == queue.rpartition("/")[2]
    assert got.headers["x-cloudtasks-taskname"] == "step-1"
    assert got.headers["x-cloudtasks-taskretrycount"] == "0"
    assert got.headers["x-cloudtasks-taskexecutioncount"] == "0"
    eta = float(got.headers["x-cloudtasks-tasketa"])
    assert abs(eta - created.schedule_time.timestamp()) < 1e-3
    assert "authorization" not in got.headers
    deadline = time.time() + 2
    while time.time() < deadline:  # deleted once the 2xx is in
        try:
            client.get_task(name=created.name)
        except exceptions.NotFound:
            break
        time.sleep(0.02)
    else:
        pytest.fail("task still exists after a 2xx")


def test_oidc_token_identifies_the_service_account(
    client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    oidc = tasks_v2.OidcToken(service_account_email=SERVICE_ACCOUNT)
    client.create_task(parent=queue, task=http_task(queue, receiver.url("/a"), http={"oidc_token": oidc}))
    audience = "https://execute-step.example"
    with_audience = tasks_v2.OidcToken(service_account_email=SERVICE_ACCOUNT, audience=audience)
    client.create_task(
        parent=queue, task=http_task(queue, receiver.url("/b"), http={"oidc_token": with_audience})
    )
    for path, expected_audience in (("/a", receiver.url("/a")), ("/b", audience)):
        [got] = receiver.wait_for(path, 1)
        scheme, token = got.headers["authorization"].split(" ")
        assert scheme == "Bearer"
        header_b64, payload_b64, _ = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
        assert claims["email"] == SERVICE_ACCOUNT
        assert claims["aud"] == expected_audience
        assert claims["iss"] == "https://accounts.google.com"
        assert claims["iat"] <= time.time() < claims["exp"]
        assert json.loads(base64.urlsafe_b64decode(header_b64 + "=="))["alg"] == "HS256"
        assert verify_id_token(token, audience=expected_audience)["email"] == SERVICE_ACCOUNT
    with pytest.raises(ValueError, match="audience"):
        verify_id_token(token, audience="https://someone-else.example")


def test_schedule_time_delays_delivery(client: tasks_v2.CloudTasksClient, receiver: Receiver) -> None:
    queue = new_queue(client)
    eta = datetime.now(UTC) + timedelta(seconds=0.8)
    client.create_task(parent=queue, task=http_task(queue, receiver.url("/later"), schedule_time=eta))
    time.sleep(0.5)
    assert receiver.received("/later") == []
    [got] = receiver.wait_for("/later", 1)
    assert got.at >= eta.timestamp() - 0.01
    assert abs(float(got.headers["x-cloudtasks-tasketa"]) - eta.timestamp()) < 1e-3


def test_duplicate_name_is_refused_while_pending_and_after_execution(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    refused_before = emulator.stats()["duplicates_refused"]
    later = datetime.now(UTC) + timedelta(seconds=0.3)
    client.create_task(
        parent=queue, task=http_task(queue, receiver.url("/dup"), "run-7-step-2", schedule_time=later)
    )
    with pytest.raises(exceptions.AlreadyExists):
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/dup"), "run-7-step-2"))
    receiver.wait_for("/dup", 1)
    settle(lambda: gone(client, queue, "run-7-step-2"))
    with pytest.raises(exceptions.AlreadyExists, match="existed too recently"):
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/dup"), "run-7-step-2"))
    assert len(receiver.received("/dup")) == 1
    assert emulator.stats()["duplicates_refused"] == refused_before + 2


def test_name_reuse_window_is_configurable(receiver: Receiver) -> None:
    with TasksEmulator(admin_port=None, name_reuse_window_s=0.4) as short_memory:
        client = client_for(short_memory.grpc_address)
        queue = new_queue(client)
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/w"), "once"))
        receiver.wait_for("/w", 1)
        with pytest.raises(exceptions.AlreadyExists):
            client.create_task(parent=queue, task=http_task(queue, receiver.url("/w"), "once"))
        settle(lambda: gone(client, queue, "once"))
        time.sleep(0.45)  # the window counts from the task's end
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/w"), "once"))
        receiver.wait_for("/w", 2)


def test_failed_attempts_are_retried_with_growing_backoff_until_success(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    retry = tasks_v2.RetryConfig(min_backoff=seconds(0.1), max_backoff=seconds(2))
    queue = new_queue(client, retry_config=retry)
    receiver.respond("/flaky", 500, 503, 404)
    task = client.create_task(parent=queue, task=http_task(queue, receiver.url("/flaky"), "flaky"))
    got = receiver.wait_for("/flaky", 4)
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    # Each retry waits at least its doubled backoff after the answer before it (0.1, 0.2, 0.4 s); a busy
    # machine only makes a gap longer, so the gaps are held to the schedule, not to each other.
    assert [gap >= 0.95 * 0.1 * 2**n for n, gap in enumerate(gaps)] == [True, True, True], gaps
    assert [r.headers["x-cloudtasks-taskretrycount"] for r in got] == ["0", "1", "2", "3"]
    assert [r.headers.get("x-cloudtasks-taskpreviousresponse") for r in got] == [None, "500", "503", "404"]
    # 5xx answers are not executions; the 404 is.
    assert [r.headers["x-cloudtasks-taskexecutioncount"] for r in got] == ["0", "0", "0", "1"]
    settle(lambda: gone(client, task.name))
    with pytest.raises(exceptions.NotFound):
        client.get_task(name=task.name)


def test_backoff_follows_the_documented_schedule() -> None:
    config = tasks_v2.RetryConfig.pb()(max_doublings=3)
    config.min_backoff.FromSeconds(10)
    config.max_backoff.FromSeconds(300)
    assert [retry_delay(config, n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 240, 300, 300]


def test_max_attempts_is_respected_and_the_task_is_deleted(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    retry = tasks_v2.RetryConfig(max_attempts=3, min_backoff=seconds(0.05), max_backoff=seconds(0.1))
    queue = new_queue(client, retry_config=retry)
    receiver.respond("/down", *[500] * 10)
    exhausted_before = emulator.stats()["exhausted"]
    task = client.create_task(parent=queue, task=http_task(queue, receiver.url("/down"), "doomed"))
    receiver.wait_for("/down", 3)
    settle(lambda: gone(client, task.name))
    time.sleep(0.2)  # no fourth attempt comes after max_attempts
    assert len(receiver.received("/down")) == 3
    with pytest.raises(exceptions.NotFound):
        client.get_task(name=task.name)
    assert emulator.stats()["exhausted"] == exhausted_before + 1
    with pytest.raises(exceptions.AlreadyExists):
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/down"), "doomed"))


def test_connection_errors_and_deadlines_are_failed_attempts(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    retry = tasks_v2.RetryConfig(max_attempts=2, min_backoff=seconds(0.05), max_backoff=seconds(0.05))
    queue = new_queue(client, retry_config=retry)
    failed_before = emulator.stats()["failed"]
    client.create_task(parent=queue, task=http_task(queue, f"http://127.0.0.1:{closed_port}/gone", "nobody"))
    settle(lambda: emulator.stats()["failed"] >= failed_before + 2)
    time.sleep(0.2)  # no third attempt comes after max_attempts
    assert emulator.stats()["failed"] == failed_before + 2
    assert client.list_tasks(parent=queue).tasks == []

    slow_queue = new_queue(client, retry_config=tasks_v2.RetryConfig(min_backoff=seconds(30)))
    receiver.delays["/slow"] = 1.0
    with pytest.raises(exceptions.InvalidArgument, match="dispatch_deadline"):
        client.create_task(
            parent=slow_queue,
            task=http_task(slow_queue, receiver.url("/slow"), dispatch_deadline=seconds(0.1)),
        )
    task = client.create_task(
        parent=slow_queue, task=http_task(slow_queue, receiver.url("/slow"), dispatch_deadline=seconds(0.3))
    )
    seen = settle(
        lambda: client.get_task(name=task.name), until=lambda t: t.last_attempt.response_status.code != 0
    )
    assert (seen.dispatch_count, seen.response_count) == (1, 0)
    assert seen.last_attempt.response_status.code == grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
    assert seen.schedule_time.timestamp() > time.time() + 25  # rescheduled after min_backoff
    client.delete_task(name=task.name)


def test_rate_limits_bound_concurrency_and_dispatch_rate(
    client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    one_at_a_time = new_queue(client, rate_limits=tasks_v2.RateLimits(max_concurrent_dispatches=1))
    unlimited = new_queue(client)
    for queue, path in ((one_at_a_time, "/serial"), (unlimited, "/parallel")):
        receiver.delays[path] = 0.15
        for _ in range(3):
            client.create_task(parent=queue, task=http_task(queue, receiver.url(path)))
    receiver.wait_for("/serial", 3)
    receiver.wait_for("/parallel", 3)
    assert receiver.max_in_flight["/serial"] == 1
    assert receiver.max_in_flight["/parallel"] > 1  # the limit, not the emulator, serialised them

    two_per_second = new_queue(client, rate_limits=tasks_v2.RateLimits(max_dispatches_per_second=2))
    assert client.get_queue(name=two_per_second).rate_limits.max_burst_size == 2
    due = datetime.now(UTC) + timedelta(seconds=2)  # all four due at once, however slow the creates
    for _ in range(4):
        task = http_task(two_per_second, receiver.url("/paced"), schedule_time=due)
        client.create_task(parent=two_per_second, task=task)
    got = receiver.wait_for("/paced", 4)
    # A burst of 2 at ``due``, then one every 0.5 s: the last is sent 1 s after ``due``. Measured from
    # ``due``, not the first arrival, which a loaded machine may stamp late and bring closer.
    assert got[-1].at - due.timestamp() >= 0.9


def test_get_list_delete_and_run_tasks(client: tasks_v2.CloudTasksClient, receiver: Receiver) -> None:
    queue = new_queue(client)
    later = datetime.now(UTC) + timedelta(hours=1)
    body: dict[str, Any] = {"http": {"body": b"payload"}, "schedule_time": later}
    first = client.create_task(parent=queue, task=http_task(queue, receiver.url("/t"), "first", **body))
    second = client.create_task(parent=queue, task=http_task(queue, receiver.url("/t"), **body))
    assert second.name.startswith(f"{queue}/tasks/") and second.name != f"{queue}/tasks/"
    assert client.get_task(name=first.name).http_request.body == b""
    full = client.get_task(request={"name": first.name, "response_view": tasks_v2.Task.View.FULL})
    assert (full.view, full.http_request.body) == (tasks_v2.Task.View.FULL, b"payload")
    listed = client.list_tasks(request={"parent": queue, "response_view": tasks_v2.Task.View.FULL})
    assert sorted(t.name for t in listed) == sorted([first.name, second.name])
    assert all(t.http_request.body == b"payload" for t in listed)
    paged = client.list_tasks(request={"parent": queue, "page_size": 1})
    assert len(list(paged)) == 2

    client.delete_task(name=first.name)
    with pytest.raises(exceptions.NotFound):
        client.get_task(name=first.name)
    with pytest.raises(exceptions.NotFound):
        client.delete_task(name=first.name)

    ran = client.run_task(name=second.name)
    assert ran.dispatch_count == 1
    receiver.wait_for("/t", 1)
    with pytest.raises(exceptions.NotFound):
        client.create_task(parent=f"{LOCATION}/queues/missing", task=http_task(queue, receiver.url("/t")))
    with pytest.raises(exceptions.InvalidArgument):
        client.create_task(parent=queue, task=http_task(queue, "ftp://example/x"))


def test_queue_lifecycle_pause_resume_purge_update_delete(
    client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    fetched = client.get_queue(name=queue)
    assert fetched.state == tasks_v2.Queue.State.RUNNING
    assert fetched.retry_config.max_attempts == 100
    assert fetched.retry_config.max_doublings == 16
    assert queue in [q.name for q in client.list_queues(parent=LOCATION)]
    with pytest.raises(exceptions.AlreadyExists):
        client.create_queue(parent=LOCATION, queue=tasks_v2.Queue(name=queue))

    assert client.pause_queue(name=queue).state == tasks_v2.Queue.State.PAUSED
    client.create_task(parent=queue, task=http_task(queue, receiver.url("/paused")))
    time.sleep(0.3)
    assert receiver.received("/paused") == []
    client.resume_queue(name=queue)
    receiver.wait_for("/paused", 1)

    updated = client.update_queue(
        queue=tasks_v2.Queue(name=queue, retry_config=tasks_v2.RetryConfig(max_attempts=5)),
        update_mask={"paths": ["retry_config.max_attempts"]},
    )
    assert (updated.retry_config.max_attempts, updated.retry_config.max_doublings) == (5, 16)

    later = datetime.now(UTC) + timedelta(hours=1)
    client.create_task(parent=queue, task=http_task(queue, receiver.url("/x"), schedule_time=later))
    purged = client.purge_queue(name=queue)
    assert purged.purge_time.timestamp() > 0
    assert list(client.list_tasks(parent=queue)) == []

    client.delete_queue(name=queue)
    with pytest.raises(exceptions.NotFound):
        client.get_queue(name=queue)


def test_hold_then_deliver_twice_and_out_of_order(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    queue_id = queue.rpartition("/")[2]
    assert admin(emulator, "POST", f"/queues/{queue_id}:hold") == (200, {"queue": queue_id, "held": True})
    a = client.create_task(
        parent=queue, task=http_task(queue, receiver.url("/held"), "a", http={"body": b"A"})
    )
    b = client.create_task(
        parent=queue, task=http_task(queue, receiver.url("/held"), "b", http={"body": b"B"})
    )
    time.sleep(0.3)
    assert receiver.received("/held") == []
    status, pending = admin(emulator, "GET", "/tasks")
    mine = [t for t in pending["tasks"] if t["queue"] == queue]
    assert [(t["name"], base64.b64decode(t["body"]), t["held"]) for t in mine] == [
        (a.name, b"A", True),
        (b.name, b"B", True),
    ]
    assert mine[0]["url"] == receiver.url("/held")

    # b before a, and a twice: what a reliability test needs.
    assert admin(emulator, "POST", "/tasks:deliver", {"name": b.name}) == (200, {"status": 200, "error": ""})
    assert admin(emulator, "POST", "/tasks:deliver", {"name": a.name, "keep": True})[1]["status"] == 200
    assert emulator.deliver(a.name).status == 200
    got = receiver.received("/held")
    assert [r.body for r in got] == [b"B", b"A", b"A"]
    assert [r.headers["x-cloudtasks-taskretrycount"] for r in got[1:]] == ["0", "1"]
    assert [t for t in emulator.pending_tasks() if t["queue"] == queue] == []
    status, answer = admin(emulator, "POST", "/tasks:deliver", {"name": a.name})
    assert (status, answer["error"]) == (404, f"no pending task {a.name!r}")

    receiver.respond("/held", 500)
    c = client.create_task(parent=queue, task=http_task(queue, receiver.url("/held"), "c"))
    assert emulator.deliver(c.name, keep=True).status == 500
    assert client.get_task(name=c.name).dispatch_count == 1
    assert admin(emulator, "POST", f"/queues/{queue_id}:release")[0] == 200
    receiver.wait_for("/held", 5)  # released: delivered automatically
    stats = admin(emulator, "GET", "/stats")[1]
    assert {"created", "dispatched", "succeeded", "failed", "duplicates_refused"} <= set(stats)


def test_drop_loses_a_task(
    emulator: TasksEmulator, client: tasks_v2.CloudTasksClient, receiver: Receiver
) -> None:
    queue = new_queue(client)
    emulator.hold(queue)
    lost = client.create_task(parent=queue, task=http_task(queue, receiver.url("/lost"), "lost"))
    again = client.create_task(parent=queue, task=http_task(queue, receiver.url("/lost"), "again"))
    assert admin(emulator, "POST", "/tasks:drop", {"name": lost.name})[0] == 200
    emulator.drop("again", tombstone=False)  # a bare id works when unambiguous
    assert admin(emulator, "POST", "/tasks:drop", {"name": lost.name})[0] == 404
    emulator.release(queue)
    time.sleep(0.3)
    assert receiver.received("/lost") == []
    with pytest.raises(exceptions.NotFound):
        client.get_task(name=lost.name)
    with pytest.raises(exceptions.AlreadyExists):
        client.create_task(parent=queue, task=http_task(queue, receiver.url("/lost"), "lost"))
    client.create_task(parent=queue, task=http_task(queue, receiver.url("/lost"), "again"))
    assert receiver.wait_for("/lost", 1)[0].headers["x-cloudtasks-taskname"] == again.name.rpartition("/")[2]


def test_binds_only_to_loopback(emulator: TasksEmulator) -> None:
    grpc_port = int(emulator.grpc_address.rpartition(":")[2])
    admin_port = int(emulator.admin_url.rpartition(":")[2])
    for port in (grpc_port, admin_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, addresses  # no wildcard or other interface


def test_cli_prints_ready_and_exits_cleanly_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.tasks_emulator", "--port", "0", "--admin-port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # stdout=PIPE
        line = process.stdout.readline().strip()
        assert line.startswith("READY grpc=127.0.0.1:"), line
        fields = dict(part.split("=", 1) for part in line.split()[1:])
        client = client_for(fields["grpc"])
        queue = new_queue(client)
        assert client.get_queue(name=queue).name == queue
        for address in fields.values():
            addresses = listening_addresses(int(address.rpartition(":")[2]))
            assert addresses and addresses <= LOOPBACK, addresses
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
