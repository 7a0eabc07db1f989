"""The ``google.cloud.tasks.v2.CloudTasks`` gRPC service, wired with the official message types.

Methods not listed (IAM, BatchCreateTasks, CMEK) are answered UNIMPLEMENTED by gRPC itself.
"""

import time
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud import tasks_v2 as t

from local.tasks_emulator import _queues, _tasks
from local.tasks_emulator._errors import ApiError
from local.tasks_emulator._pb import Empty, Pb
from local.tasks_emulator._scheduler import Dispatcher
from local.tasks_emulator._state import State

SERVICE = "google.cloud.tasks.v2.CloudTasks"
type Method = Callable[[Pb], Pb]


def _handler(method: Method, request_type: Any, response_class: Any) -> grpc.RpcMethodHandler:
    """A unary handler: raw protobuf in and out, ApiError turned into the call's status."""

    def serve(request: Pb, context: grpc.ServicerContext) -> Pb:
        try:
            return method(request)
        except ApiError as exc:
            context.abort(exc.code, exc.message)

    return grpc.unary_unary_rpc_method_handler(
        serve,
        request_deserializer=request_type.pb().FromString,
        response_serializer=response_class.SerializeToString,
    )


def service_handler(state: State, dispatcher: Dispatcher) -> grpc.GenericRpcHandler:
    """The generic handler serving every implemented method on ``state``."""

    def locked(fn: Callable[[State, Pb], Pb]) -> Method:
        def call(request: Pb) -> Pb:
            with state.cond:
                return fn(state, request)

        return call

    def pause(s: State, r: Pb) -> Pb:
        return _queues.set_queue_state(s, r, paused=True)

    def resume(s: State, r: Pb) -> Pb:
        return _queues.set_queue_state(s, r, paused=False)

    def create_task(s: State, r: Pb) -> Pb:
        return _tasks.create_task(s, r, time.time())

    queue, task = t.Queue.pb(), t.Task.pb()
    methods: dict[str, tuple[Method, Any, Any]] = {
        "CreateQueue": (locked(_queues.create_queue), t.CreateQueueRequest, queue),
        "GetQueue": (locked(_queues.get_queue), t.GetQueueRequest, queue),
        "ListQueues": (locked(_queues.list_queues), t.ListQueuesRequest, t.ListQueuesResponse.pb()),
        "UpdateQueue": (locked(_queues.update_queue), t.UpdateQueueRequest, queue),
        "DeleteQueue": (locked(_queues.delete_queue), t.DeleteQueueRequest, Empty),
        "PurgeQueue": (locked(_queues.purge_queue), t.PurgeQueueRequest, queue),
        "PauseQueue": (locked(pause), t.PauseQueueRequest, queue),
        "ResumeQueue": (locked(resume), t.ResumeQueueRequest, queue),
        "CreateTask": (locked(create_task), t.CreateTaskRequest, task),
        "GetTask": (locked(_tasks.get_task), t.GetTaskRequest, task),
        "ListTasks": (locked(_tasks.list_tasks), t.ListTasksRequest, t.ListTasksResponse.pb()),
        "DeleteTask": (locked(_tasks.delete_task), t.DeleteTaskRequest, Empty),
        "RunTask": (dispatcher.run_task, t.RunTaskRequest, task),
    }
    handlers = {name: _handler(*spec) for name, spec in methods.items()}
    return grpc.method_handlers_generic_handler(SERVICE, handlers)
