"""The tools' webhook intake on the api (decision 0094): Linear's at ``POST /sync/linear/webhook/<t>``,
GitLab's at ``POST /sync/gitlab/webhook/<t>`` (decision 0106). Each checks before storing anything and never
calls the tool or Notion. It answers: no connection 404, a bad signature (Linear) or token (GitLab) 401, a
malformed body or (Linear) one stamped outside the 60 s window 400, a repeated delivery id 409. An issue
event of the connected team or project is one mirror task per issue and 5 s window; the task reads the issue
afresh, so late, doubled or reordered deliveries change nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from shared.platform.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from shared.platform.topology import Queue
from shared.sync.domain import gitlab_events
from shared.sync.domain.connection import TOOL_NAMES, Tool, ToolConnection, hook_secret
from shared.sync.domain.linear_events import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    parse,
    signature_valid,
    timestamp_problem,
)
from shared.sync.domain.sync_task import SyncTask, issue_task_name

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import GitLabStore, SyncStore, ToolStore
    from shared.workspace.ports import WebhookEventLedger


class Intake[S](NamedTuple):
    """What a tool's webhook intake uses: the tool's store (``S``), our webhook secret, the deliveries
    seen, the queue and how long a delivery id is remembered."""

    store: S
    secrets: SecretStore
    events: WebhookEventLedger
    queue: TaskQueue
    event_ttl_s: float
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


type LinearIntake = Intake[SyncStore]  # what Linear's intake uses


def _hooked[C: ToolConnection](
    tenant_id: str, store: ToolStore[C], secrets: SecretStore, tool: Tool
) -> tuple[C, str]:
    """The tenant's connection of ``tool`` and our webhook secret; NotFound if it has either not."""
    missing = f"no {TOOL_NAMES[tool]} connection for this workspace"
    connection = store.connection(tenant_id)
    if connection is None:
        raise NotFound(missing)
    try:
        return connection, secrets.get(hook_secret(tenant_id, tool))
    except NotFound:
        raise NotFound(missing) from None


def ingest_linear(
    tenant_id: str, body: bytes, headers: Mapping[str, str], intake: LinearIntake
) -> dict[str, str]:
    """Check, de-duplicate and queue one delivery as the module says: ``{result, detail}``."""
    connection, secret = _hooked(tenant_id, intake.store, intake.secrets, "linear")
    if not signature_valid(secret, body, headers.get(SIGNATURE_HEADER)):
        raise Unauthenticated(f"the {SIGNATURE_HEADER} header does not sign this body")
    event = parse(body, headers.get(DELIVERY_HEADER))
    if isinstance(event, str):
        raise InvalidInput(event)
    now = intake.now()
    problem = timestamp_problem(event.at_ms, now)
    if problem:
        raise InvalidInput(f"webhookTimestamp: {problem}; the delivery was dropped")
    if event.type != "Issue" or (event.team_id and event.team_id != connection.team_id):
        return {"result": "ignored", "detail": f"{event.type} of another team or kind"}
    task = SyncTask(tenant_id=tenant_id, kind="issue", issue_id=event.entity_id)
    expires = now + timedelta(seconds=intake.event_ttl_s)
    record = intake.events.record(
        tenant_id, f"linear-{event.delivery}", "linear.Issue", now, expires, task=task.model_dump(mode="json")
    )
    if not record.created and record.enqueued:
        raise Conflict(f"this delivery was received already ({DELIVERY_HEADER} repeated): dropped")
    name, delay = issue_task_name(tenant_id, event.entity_id, now)
    intake.queue.enqueue(Queue.PLAN, task, name, delay_s=delay)
    intake.events.mark_enqueued(tenant_id, f"linear-{event.delivery}")
    return {"result": "enqueued", "detail": event.action}


type GitLabIntake = Intake[GitLabStore]  # what GitLab's intake uses


def ingest_gitlab(
    tenant_id: str, body: bytes, headers: Mapping[str, str], intake: GitLabIntake
) -> dict[str, str]:
    """Check, de-duplicate and queue one GitLab delivery as the module says: ``{result, detail}``.
    The token is compared in constant time; a forgery or a replay stores and queues nothing."""
    connection, secret = _hooked(tenant_id, intake.store, intake.secrets, "gitlab")
    if not gitlab_events.token_valid(secret, gitlab_events.header(headers, gitlab_events.TOKEN_HEADER)):
        raise Unauthenticated(f"the {gitlab_events.TOKEN_HEADER} header is not this webhook's token")
    event = gitlab_events.parse(body, gitlab_events.delivery_id(headers))
    if isinstance(event, str):
        raise InvalidInput(event)
    if event.kind not in gitlab_events.ISSUE_KINDS or event.project_id != connection.project_id:
        return {"result": "ignored", "detail": f"{event.kind} of another project or kind"}
    now = intake.now()
    task = SyncTask(tenant_id=tenant_id, kind="issue", issue_id=str(event.iid), tool="gitlab")
    expires = now + timedelta(seconds=intake.event_ttl_s)
    event_id = f"gitlab-{event.delivery}"
    record = intake.events.record(
        tenant_id, event_id, "gitlab.issue", now, expires, task=task.model_dump(mode="json")
    )
    if not record.created and record.enqueued:
        raise Conflict("this delivery was received already (its event id repeated): dropped")
    name, delay = issue_task_name(tenant_id, str(event.iid), now, "gitlab")
    intake.queue.enqueue(Queue.PLAN, task, name, delay_s=delay)
    intake.events.mark_enqueued(tenant_id, event_id)
    return {"result": "enqueued", "detail": event.action or event.kind}
