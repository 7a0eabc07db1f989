"""Linear's webhook intake (``POST /sync/linear/webhook/<tenant_id>`` on the api, decision 0094). It
checks before storing anything, never calls Linear or Notion, and answers: no connection 404, a bad
signature 401, a malformed body or one stamped outside the 60 s window 400, a repeated
``Linear-Delivery`` 409. An Issue event of the connected team is one mirror task per issue and 5 s
window; the task reads the issue afresh, so late, doubled or reordered deliveries change nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from shared.platform.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from shared.platform.topology import Queue
from shared.sync.domain.connection import hook_secret
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
    from shared.sync.ports import SyncStore
    from shared.workspace.ports import WebhookEventLedger


class LinearIntake(NamedTuple):
    """What Linear's intake uses."""

    store: SyncStore
    secrets: SecretStore
    events: WebhookEventLedger
    queue: TaskQueue
    event_ttl_s: float
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def ingest_linear(
    tenant_id: str, body: bytes, headers: Mapping[str, str], intake: LinearIntake
) -> dict[str, str]:
    """Check, de-duplicate and queue one delivery as the module says: ``{result, detail}``."""
    connection = intake.store.connection(tenant_id)
    if connection is None:
        raise NotFound("no Linear connection for this workspace")
    try:
        secret = intake.secrets.get(hook_secret(tenant_id))
    except NotFound:
        raise NotFound("no Linear connection for this workspace") from None
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
