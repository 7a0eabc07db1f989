"""Queue methods of the CloudTasks service, on raw request messages; callers hold ``State.cond``."""

import re
import time

from google.protobuf import field_mask_pb2

from local.tasks_emulator._errors import already_exists, invalid
from local.tasks_emulator._names import check_location, check_queue_name, page
from local.tasks_emulator._pb import (
    QUEUE_PAUSED,
    QUEUE_RUNNING,
    Empty,
    ListQueuesResponsePb,
    Pb,
    QueuePb,
    timestamp,
)
from local.tasks_emulator._policy import TokenBucket, fill_rate_limits, fill_retry_config
from local.tasks_emulator._state import QueueRecord, State

_UPDATABLE = ("rate_limits", "retry_config", "http_target", "stackdriver_logging_config")
_OUTPUT_ONLY = ("rate_limits.max_burst_size",)
QUEUE_STATES = ("RUNNING", "PAUSED", "DISABLED")
_STATE_FILTER = re.compile(r"^\s*state\s*[:=]\s*(\w+)\s*$")


def _configured(queue: Pb) -> QueueRecord:
    """Defaults filled in and a fresh token bucket for the queue's rate limits."""
    fill_rate_limits(queue.rate_limits)
    fill_retry_config(queue.retry_config)
    if queue.HasField("app_engine_routing_override"):
        raise invalid("App Engine queues are not supported by the local emulator (HTTP targets only)")
    limits = queue.rate_limits
    return QueueRecord(queue, TokenBucket(limits.max_dispatches_per_second, limits.max_burst_size))


def _copy(queue: Pb) -> Pb:
    out = QueuePb()
    out.CopyFrom(queue)
    return out


def create_queue(state: State, request: Pb) -> Pb:
    check_location(request.parent)
    queue = _copy(request.queue)
    check_queue_name(queue.name, request.parent)
    if queue.name in state.queues:
        raise already_exists(f"Queue {queue.name} already exists")
    queue.state = QUEUE_RUNNING
    queue.ClearField("purge_time")
    state.queues[queue.name] = _configured(queue)
    return _copy(queue)


def get_queue(state: State, request: Pb) -> Pb:
    return _copy(state.queue(request.name).queue)


def list_queues(state: State, request: Pb) -> Pb:
    check_location(request.parent)
    queues = [r.queue for n, r in sorted(state.queues.items()) if n.startswith(request.parent + "/queues/")]
    if request.filter:
        match = _STATE_FILTER.match(request.filter)
        if not match or match.group(1) not in QUEUE_STATES:
            raise invalid(f"Unsupported filter {request.filter!r} (the emulator supports 'state: STATE')")
        queues = [q for q in queues if q.state == QueuePb.State.Value(match.group(1))]
    items, token = page(queues, request.page_size, request.page_token)
    return ListQueuesResponsePb(queues=items, next_page_token=token)


def update_queue(state: State, request: Pb) -> Pb:
    """Update the fields named in update_mask (all updatable ones without a mask); create if absent."""
    name = check_queue_name(request.queue.name)
    paths = list(request.update_mask.paths) or list(_UPDATABLE)
    for path in paths:
        if path.split(".")[0] not in _UPDATABLE or path in _OUTPUT_ONLY:
            raise invalid(f"update_mask path {path!r} is not updatable")
    current = state.queues.get(name)
    queue = _copy(current.queue) if current else QueuePb(name=name, state=QUEUE_RUNNING)
    field_mask_pb2.FieldMask(paths=paths).MergeMessage(
        request.queue, queue, replace_message_field=True, replace_repeated_field=True
    )
    record = _configured(queue)
    if current is None:
        state.queues[name] = record
    else:  # tasks keep pointing at the same record
        current.queue, current.bucket = record.queue, record.bucket
    state.cond.notify_all()
    return _copy(queue)


def delete_queue(state: State, request: Pb) -> Pb:
    record = state.queue(request.name)
    purge(state, record)
    del state.queues[request.name]
    return Empty()


def purge(state: State, record: QueueRecord) -> None:
    """Delete every task of the queue (their names stay taken for the reuse window)."""
    for task in [t for t in state.tasks.values() if t.queue is record]:
        state.remove(task)
        state.stats.deleted += 1


def purge_queue(state: State, request: Pb) -> Pb:
    record = state.queue(request.name)
    purge(state, record)
    record.queue.purge_time.CopyFrom(timestamp(time.time()))
    return _copy(record.queue)


def set_queue_state(state: State, request: Pb, paused: bool) -> Pb:
    record = state.queue(request.name)
    record.queue.state = QUEUE_PAUSED if paused else QUEUE_RUNNING
    state.cond.notify_all()
    return _copy(record.queue)
