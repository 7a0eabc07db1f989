"""The life of one attempt: mark the task dispatched, build the request, apply the outcome.

``begin_attempt`` and ``finish_attempt`` run under ``State.cond``; the HTTP request in between
does not. Any outcome other than a 2xx response (other statuses, refused connections, timeouts)
is a failed attempt and is retried by the retry config, as real Cloud Tasks does for HTTP tasks.
"""

import logging
import time
from dataclasses import dataclass

from local.tasks_emulator._http import AttemptOutcome, HttpAttempt
from local.tasks_emulator._names import short_id
from local.tasks_emulator._oidc import mint_id_token
from local.tasks_emulator._pb import HTTP_METHODS, AttemptPb, epoch, seconds, timestamp
from local.tasks_emulator._policy import exhausted, retry_delay
from local.tasks_emulator._state import State, TaskRecord

log = logging.getLogger("local.tasks_emulator")

# Headers Cloud Tasks sets itself: a task cannot supply them.
_OWN_PREFIXES = ("x-cloudtasks-", "x-google-", "x-appengine-")
_OWN_HEADERS = {"host", "content-length", "user-agent"}


@dataclass(frozen=True)
class Attempt:
    record: TaskRecord
    request: HttpAttempt


def _headers(record: TaskRecord, retry_count: int) -> dict[str, str]:
    task, http = record.task, record.task.http_request
    token_set = http.HasField("oidc_token") or http.HasField("oauth_token")
    headers = {
        key: value
        for key, value in http.headers.items()
        if not key.lower().startswith(_OWN_PREFIXES)
        and key.lower() not in _OWN_HEADERS
        and not (token_set and key.lower() == "authorization")
    }
    if http.body and not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = "application/octet-stream"
    headers["User-Agent"] = "Google-Cloud-Tasks"
    headers["X-CloudTasks-QueueName"] = short_id(record.queue.queue.name)
    headers["X-CloudTasks-TaskName"] = short_id(task.name)
    headers["X-CloudTasks-TaskRetryCount"] = str(retry_count)
    headers["X-CloudTasks-TaskExecutionCount"] = str(record.execution_count)
    headers["X-CloudTasks-TaskETA"] = f"{epoch(task.schedule_time):.6f}"
    if record.previous_response is not None:
        headers["X-CloudTasks-TaskPreviousResponse"] = str(record.previous_response)
    if http.HasField("oidc_token"):
        oidc = http.oidc_token
        token = mint_id_token(oidc.service_account_email, oidc.audience or http.url)
        headers["Authorization"] = f"Bearer {token}"
    elif http.HasField("oauth_token"):  # an opaque stand-in for a Google access token
        headers["Authorization"] = f"Bearer local-access-token.{http.oauth_token.service_account_email}"
    return headers


def begin_attempt(state: State, record: TaskRecord, now: float) -> Attempt:
    """Count the dispatch on the task and its queue and build the HTTP request."""
    task = record.task
    retry_count = task.dispatch_count
    task.dispatch_count += 1
    if record.first_attempt_at is None:
        record.first_attempt_at = now
        task.first_attempt.CopyFrom(AttemptPb(dispatch_time=timestamp(now)))
    task.last_attempt.CopyFrom(AttemptPb(schedule_time=task.schedule_time, dispatch_time=timestamp(now)))
    record.running += 1
    record.queue.running += 1
    state.stats.dispatched += 1
    http = task.http_request
    request = HttpAttempt(
        url=http.url,
        method=HTTP_METHODS[http.http_method],
        headers=_headers(record, retry_count),
        body=bytes(http.body),
        timeout_s=seconds(task.dispatch_deadline),
    )
    return Attempt(record, request)


def finish_attempt(state: State, attempt: Attempt, outcome: AttemptOutcome, keep: bool = False) -> None:
    """Record the outcome; delete the task on success or exhaustion, else schedule the retry.

    ``keep`` (test deliveries only) records the outcome but leaves the task as it was scheduled.
    """
    record, task, now = attempt.record, attempt.record.task, time.time()
    record.running -= 1
    record.queue.running -= 1
    state.stats.succeeded += outcome.ok
    state.stats.failed += not outcome.ok
    log.info("attempt %s %s -> %s", task.name, attempt.request.url, outcome.status or outcome.error)
    state.cond.notify_all()
    if not state.is_current(record):  # deleted, purged or dropped while in flight
        return
    task.last_attempt.response_time.CopyFrom(timestamp(now))
    task.last_attempt.response_status.code = outcome.rpc_code.value[0]
    task.last_attempt.response_status.message = outcome.message
    if outcome.status is not None:
        task.response_count += 1
        record.previous_response = outcome.status
        record.execution_count += outcome.status < 500
    if keep:
        return
    if outcome.ok:
        state.remove(record)
        return
    config = task.retry_config if task.HasField("retry_config") else record.queue.queue.retry_config
    if exhausted(config, task.dispatch_count, record.first_attempt_at or now, now):
        state.remove(record)
        state.stats.exhausted += 1
        return
    delay = retry_delay(config, task.dispatch_count)
    if outcome.status in (429, 503) and outcome.retry_after_s is not None:
        delay = max(delay, outcome.retry_after_s)
    task.schedule_time.CopyFrom(timestamp(now + delay))
