"""Task methods of the CloudTasks service (RunTask is in _dispatch); callers hold ``State.cond``."""

from urllib.parse import urlsplit

import grpc

from local.tasks_emulator._errors import ApiError, already_exists, invalid
from local.tasks_emulator._names import check_queue_name, check_task_name, new_task_id, page
from local.tasks_emulator._pb import (
    HTTP_METHODS,
    POST,
    VIEW_BASIC,
    VIEW_FULL,
    Empty,
    ListTasksResponsePb,
    Pb,
    TaskPb,
    duration,
    epoch,
    seconds,
    timestamp,
)
from local.tasks_emulator._policy import fill_retry_config
from local.tasks_emulator._state import State, TaskRecord

MAX_TASK_BYTES = 1024 * 1024
MAX_SCHEDULE_AHEAD_S = 30 * 24 * 3600.0
MAX_DEADLINE_S = 30 * 60.0
DEFAULT_DEADLINE_S = 10 * 60.0
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_RECENT = (
    "The task cannot be created because a task with this name existed too recently. For more "
    "information about task de-duplication see https://cloud.google.com/tasks/docs/reference/rest/"
    "v2/projects.locations.queues.tasks/create#body.request_body.FIELDS.task."
)


def view_of(task: Pb, view: int) -> Pb:
    """The task as returned to callers: BASIC (the default) omits the body, FULL has everything."""
    out = TaskPb()
    out.CopyFrom(task)
    out.view = view or VIEW_BASIC
    if out.view != VIEW_FULL and out.HasField("http_request"):
        out.http_request.ClearField("body")
    return out


def _check_http_request(task: Pb) -> None:
    if task.HasField("app_engine_http_request"):
        raise ApiError(grpc.StatusCode.UNIMPLEMENTED, "The local emulator dispatches HTTP tasks only")
    if not task.HasField("http_request"):
        raise invalid("Task.http_request is required")
    http = task.http_request
    parts = urlsplit(http.url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(http.url) > 2083:
        raise invalid(f"HttpRequest.url must be an absolute http(s) URL, got {http.url!r}")
    http.http_method = http.http_method or POST
    if http.http_method not in HTTP_METHODS:
        raise invalid(f"Unknown HttpRequest.http_method {http.http_method}")
    if http.body and HTTP_METHODS[http.http_method] not in _BODY_METHODS:
        raise invalid("HttpRequest.body is allowed only with POST, PUT or PATCH")
    if http.HasField("oidc_token") and not http.oidc_token.service_account_email:
        raise invalid("OidcToken.service_account_email is required")


def _check_times(state: State, task: Pb, now: float) -> None:
    if not task.HasField("schedule_time") or epoch(task.schedule_time) < now:
        task.schedule_time.CopyFrom(timestamp(now))
    elif epoch(task.schedule_time) > now + MAX_SCHEDULE_AHEAD_S:
        raise invalid("Task.schedule_time must be at most 30 days in the future")
    if not task.HasField("dispatch_deadline"):
        task.dispatch_deadline.CopyFrom(duration(DEFAULT_DEADLINE_S))
    elif not state.min_dispatch_deadline_s <= seconds(task.dispatch_deadline) <= MAX_DEADLINE_S:
        raise invalid(
            f"Task.dispatch_deadline must be in [{state.min_dispatch_deadline_s:g}s, {MAX_DEADLINE_S:g}s]"
        )


def create_task(state: State, request: Pb, now: float) -> Pb:
    queue = state.queue(check_queue_name(request.parent))
    task = TaskPb()
    task.CopyFrom(request.task)
    _check_http_request(task)
    _check_times(state, task, now)
    if task.HasField("retry_config"):
        fill_retry_config(task.retry_config)
    if task.name:
        check_task_name(task.name, request.parent)
        if state.name_in_use(task.name, now):
            state.stats.duplicates_refused += 1
            raise already_exists() if task.name in state.tasks else already_exists(_RECENT)
    else:
        while state.name_in_use(name := f"{request.parent}/tasks/{new_task_id()}", now):
            pass
        task.name = name
    for output_only in ("create_time", "dispatch_count", "response_count", "first_attempt", "last_attempt"):
        task.ClearField(output_only)
    task.create_time.CopyFrom(timestamp(int(now)))
    task.view = VIEW_FULL
    if task.ByteSize() > MAX_TASK_BYTES:
        raise invalid(f"Task size exceeds the maximum of {MAX_TASK_BYTES} bytes")
    state.tasks[task.name] = TaskRecord(task, queue)
    state.stats.created += 1
    state.cond.notify_all()
    return view_of(task, request.response_view)


def get_task(state: State, request: Pb) -> Pb:
    return view_of(state.task(request.name).task, request.response_view)


def list_tasks(state: State, request: Pb) -> Pb:
    queue = state.queue(request.parent)
    records = sorted(
        (r for r in state.tasks.values() if r.queue is queue),
        key=lambda r: (epoch(r.task.schedule_time), r.name),
    )
    items, token = page(records, request.page_size, request.page_token)
    tasks = [view_of(r.task, request.response_view) for r in items]
    return ListTasksResponsePb(tasks=tasks, next_page_token=token)


def delete_task(state: State, request: Pb) -> Pb:
    state.remove(state.task(request.name))
    state.stats.deleted += 1
    return Empty()
