"""The task queue on Cloud Tasks (google-cloud-tasks), or the local emulator behind the same API.

Task names are hashed from the task's identity, so a repeat create of the same work is refused by the
queue itself (``AlreadyExists`` → success, nothing done twice) and names spread evenly, as Cloud Tasks
recommends. In production each task carries an OIDC token for the tasks service account (audience:
the function's URL); the request goes to the body's ``ROUTE`` on that function (e.g. ``/schedule``),
with the enqueuing request's trace (``traceparent``), so one trace follows a run across its hops.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from google.api_core import exceptions as gexc
from google.cloud import tasks_v2
from google.protobuf import timestamp_pb2

from shared.platform.config import Settings
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import ConfigError, TransientError
from shared.platform.logs import trace_headers
from shared.platform.topology import QUEUE_TARGETS, Queue


def task_name_for(task_id: str) -> str:
    """A stable, evenly spread Cloud Tasks task id for a piece of work's identity."""
    return hashlib.sha256(task_id.encode()).hexdigest()


class CloudTaskQueue:
    def __init__(self, client: tasks_v2.CloudTasksClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        parent = self._settings.queue_path(queue)
        target = self._settings.target_url(QUEUE_TARGETS[queue])
        http_request = tasks_v2.HttpRequest(
            http_method=tasks_v2.HttpMethod.POST,
            url=target.rstrip("/") + body.ROUTE if body.ROUTE else target,
            # The enqueuing request's trace goes on with the task: the function that runs it logs
            # under the same trace (shared.platform.logs.trace_headers; Cloud Tasks passes these on).
            headers={"Content-Type": "application/json", **trace_headers()},
            body=body.model_dump_json().encode(),
        )
        if self._settings.tasks_service_account:
            http_request.oidc_token = tasks_v2.OidcToken(
                service_account_email=self._settings.tasks_service_account,
                audience=target,
            )
        task = tasks_v2.Task(name=f"{parent}/tasks/{task_name_for(task_id)}", http_request=http_request)
        if delay_s > 0:
            when = timestamp_pb2.Timestamp()
            when.FromDatetime(datetime.now(UTC) + timedelta(seconds=delay_s))
            task.schedule_time = when
        try:
            self._client.create_task(parent=parent, task=task, timeout=10.0)
        except gexc.AlreadyExists:
            return False
        except gexc.NotFound as exc:
            raise ConfigError(f"queue {parent} does not exist: create it (terraform apply)") from exc
        except (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.ResourceExhausted) as exc:
            raise TransientError(f"cloud tasks: {exc.__class__.__name__}") from exc
        return True
