"""``TasksEmulator``: the gRPC server, the dispatcher and the test controls, in one object."""

import base64
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Self

import grpc

from local.tasks_emulator._admin import AdminServer
from local.tasks_emulator._errors import EmulatorError
from local.tasks_emulator._http import AttemptOutcome
from local.tasks_emulator._names import short_id
from local.tasks_emulator._pb import HTTP_METHODS, epoch, rfc3339
from local.tasks_emulator._rpc import service_handler
from local.tasks_emulator._scheduler import Dispatcher
from local.tasks_emulator._state import State, Stats

HOST = "127.0.0.1"


class TasksEmulator:
    """A local Cloud Tasks v2 service on 127.0.0.1 that dispatches HTTP tasks.

    ``port``/``admin_port`` 0 pick free ports; ``admin_port=None`` runs no admin HTTP API (the
    Python controls below still work). ``name_reuse_window_s`` is how long a task name stays taken
    after its task was executed or deleted (1 h in Cloud Tasks). ``min_dispatch_deadline_s`` is
    the smallest dispatch_deadline accepted (15 s in Cloud Tasks; tests may lower it).
    """

    def __init__(
        self,
        port: int = 0,
        admin_port: int | None = 0,
        *,
        name_reuse_window_s: float = 3600.0,
        min_dispatch_deadline_s: float = 15.0,
        max_workers: int = 32,
    ) -> None:
        self._port, self._admin_port = port, admin_port
        self._state = State(name_reuse_window_s, min_dispatch_deadline_s)
        self._dispatcher = Dispatcher(self._state, max_workers)
        self._server: grpc.Server | None = None
        self._admin: AdminServer | None = None

    def start(self) -> Self:
        server = grpc.server(
            ThreadPoolExecutor(16, thread_name_prefix="tasks-emulator-rpc"),
            options=[("grpc.so_reuseport", 0)],  # a port in use is an error, not a shared port
        )
        server.add_generic_rpc_handlers((service_handler(self._state, self._dispatcher),))
        try:
            self._port = server.add_insecure_port(f"{HOST}:{self._port}")
        except RuntimeError as exc:
            raise EmulatorError(f"cannot listen on {HOST}:{self._port}: {exc}") from exc
        if self._admin_port is not None:
            self._admin = AdminServer(self, self._admin_port)
            self._admin_port = self._admin.port
            self._admin.start()
        server.start()
        self._server = server
        self._dispatcher.start()
        return self

    def stop(self, grace_s: float = 1.0) -> None:
        self._dispatcher.stop()
        if self._server is not None:
            self._server.stop(grace_s).wait()
        if self._admin is not None:
            self._admin.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    @property
    def grpc_address(self) -> str:
        """host:port for ``grpc.insecure_channel`` (and ``Settings.tasks_emulator_host``)."""
        return f"{HOST}:{self._port}"

    @property
    def admin_url(self) -> str:
        if self._admin is None:
            raise EmulatorError("the admin HTTP API is not running (admin_port=None)")
        return f"http://{HOST}:{self._admin_port}"

    # Test controls, also served by the admin HTTP API.

    def pending_tasks(self) -> list[dict[str, Any]]:
        """Every task not yet executed, deleted or dropped, in schedule order."""
        with self._state.cond:
            records = sorted(self._state.tasks.values(), key=lambda r: epoch(r.task.schedule_time))
            return [
                {
                    "queue": r.queue.queue.name,
                    "queue_id": short_id(r.queue.queue.name),
                    "name": r.name,
                    "schedule_time": rfc3339(epoch(r.task.schedule_time)),
                    "url": r.task.http_request.url,
                    "http_method": HTTP_METHODS[r.task.http_request.http_method],
                    "headers": dict(r.task.http_request.headers),
                    "body": base64.b64encode(r.task.http_request.body).decode(),
                    "dispatch_count": r.task.dispatch_count,
                    "response_count": r.task.response_count,
                    "running": r.running > 0,
                    "held": self._state.is_held(r.queue.queue.name),
                }
                for r in records
            ]

    def stats(self) -> dict[str, int]:
        """Counters: tasks created, attempts dispatched/succeeded/failed, duplicate names refused..."""
        with self._state.cond:
            return self._state.stats.as_dict()

    def hold(self, queue: str) -> None:
        """Accept and keep the queue's tasks but dispatch none automatically (queue id or full name;
        the queue need not exist yet). Unlike PauseQueue this is invisible through the API."""
        with self._state.cond:
            self._state.held.add(queue)

    def release(self, queue: str) -> None:
        with self._state.cond:
            self._state.held.discard(queue)
            self._state.cond.notify_all()

    def deliver(self, name: str, keep: bool = False) -> AttemptOutcome:
        """Dispatch one pending task now, once, and wait for the answer (held or paused queue, rate
        limits and schedule_time notwithstanding). ``keep=True`` leaves the task queued as it was,
        so it can be delivered again (a duplicate delivery); otherwise the outcome counts as a
        normal attempt. ``name`` is the full task name or an unambiguous task id."""
        return self._dispatcher.deliver(name, keep)

    def drop(self, name: str, tombstone: bool = True) -> None:
        """Lose a pending task without delivering it. With ``tombstone`` its name stays taken for the
        reuse window (like a task that ran out of retries); without, it can be created again."""
        with self._state.cond:
            self._state.remove(self._state.resolve(name), tombstone=tombstone)
            self._state.stats.dropped += 1

    def reset(self) -> None:
        """Forget every queue, task, tombstone, hold and counter."""
        with self._state.cond:
            for collection in (self._state.queues, self._state.tasks, self._state.tombstones):
                collection.clear()
            self._state.held.clear()
            self._state.stats = Stats()
