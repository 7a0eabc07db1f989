"""A faithful local Cloud Tasks v2 emulator for tests and the local stack.

The official ``google.cloud.tasks.v2.CloudTasks`` gRPC service on 127.0.0.1 (queues: create, get,
list, update, delete, purge, pause, resume; tasks: create, get, list, delete, run), dispatching
HTTP tasks as Cloud Tasks does: its X-CloudTasks-* headers, an OIDC ID token, schedule_time,
dispatch_deadline, per-queue (or per-task) retry_config with exponential backoff, rate limits
(token bucket and max concurrent dispatches) and task-name de-duplication for a configurable
window. Any answer other than 2xx, a refused connection or a timeout is a failed attempt and is
retried, as in Cloud Tasks. Test controls (hold, deliver once or twice, drop, stats) are methods
of ``TasksEmulator`` and an admin HTTP API (see ``_admin``).

Run: ``python -m local.tasks_emulator --port P [--admin-port Q]``, or ``TasksEmulator().start()``.
Client: ``CloudTasksClient(transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(addr)))``.

Known differences from Cloud Tasks:
- HTTP tasks only: App Engine tasks and queues are refused (UNIMPLEMENTED / INVALID_ARGUMENT).
- A queue's http_target (URI and header overrides, queue-level tokens) is stored, not applied.
- ID tokens are signed HS256 with the public ``LOCAL_SIGNING_KEY``, not RS256 by Google; they
  carry Google's claims (iss, aud, azp, sub, email, email_verified, iat, exp). OAuth access
  tokens are an opaque ``local-access-token.<email>``.
- Backoffs keep sub-second precision (the service truncates min/max_backoff to whole seconds).
- On 429/503 only Retry-After is honoured: no extra system throttling, no ramp-up of new queues.
- max_burst_size is approximated as ceil(max_dispatches_per_second), between 1 and 100.
- No IAM, BatchCreateTasks, CMEK, queue-name tombstones after DeleteQueue, 31-day task
  retention, or ListQueues filters other than ``state: STATE``. State lives in memory only.
- dispatch_deadline is applied per socket operation; concurrency is also bounded by max_workers.
"""

from local.tasks_emulator._emulator import TasksEmulator
from local.tasks_emulator._errors import ApiError, EmulatorError, TaskNotFoundError
from local.tasks_emulator._http import AttemptOutcome
from local.tasks_emulator._oidc import LOCAL_SIGNING_KEY, mint_id_token, verify_id_token

__all__ = [
    "LOCAL_SIGNING_KEY",
    "ApiError",
    "AttemptOutcome",
    "EmulatorError",
    "TaskNotFoundError",
    "TasksEmulator",
    "mint_id_token",
    "verify_id_token",
]
