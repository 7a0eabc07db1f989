"""The tools' webhook intake on the api (decision 0094): Linear's at ``POST /sync/linear/webhook/<t>``,
GitLab's at ``POST /sync/gitlab/webhook/<t>`` (decision 0106). Each checks before storing anything and never
calls the tool or Notion. No connection is a 404, a bad signature or token 401, a malformed or (Linear)
stale body 400, a repeated delivery 409 (Linear's named by its signed body, GitLab's by its id header).
An issue event of the connected team or project is one mirror task per issue and 5 s window, read afresh,
so late or reordered deliveries change nothing. An event an agent's tracker rule meets starts its run
(decision 0121)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from shared.platform.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from shared.platform.topology import Queue
from shared.sync.domain import gitlab_events
from shared.sync.domain.connection import TOOL_NAMES, GitLabConnection, Tool, ToolConnection, hook_secret
from shared.sync.domain.gitlab_pipelines import pipeline_ended
from shared.sync.domain.linear_events import (
    SIGNATURE_HEADER,
    parse,
    signature_valid,
    timestamp_problem,
)
from shared.sync.domain.sync_task import SyncTask, issue_task_name
from shared.sync.domain.tracker_signals import TrackerSignal, gitlab_signal, linear_signal
from shared.workspace.domain.tenants import EventSeen

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
    # Starts the runs an event's signal asks for (agents' tracker rules, decision 0121); None: none.
    triggers: Callable[[str, TrackerSignal], object] | None = None
    # Wakes the code run whose await_checks waits on (tenant, project path, branch): GitLab's Pipeline
    # Hook (decision 0126); its woken runs' ids. None: pipelines are ignored (polled).
    pipelines: Callable[[str, str, str], list[str]] | None = None


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
    event = parse(body)
    if isinstance(event, str):
        raise InvalidInput(event)
    now = intake.now()
    problem = timestamp_problem(event.at_ms, now)
    if problem:
        raise InvalidInput(f"webhookTimestamp: {problem}; the delivery was dropped")
    mirrored = event.type == "Issue" and (not event.team_id or event.team_id == connection.team_id)
    signal = _ours(linear_signal(body), (connection.team_id,), intake)
    if not mirrored and signal is None:
        return {"result": "ignored", "detail": f"{event.type} of another team or kind"}
    task = SyncTask(tenant_id=tenant_id, kind="issue", issue_id=event.entity_id) if mirrored else None
    name = issue_task_name(tenant_id, event.entity_id, now) if mirrored else None
    repeated = "this delivery was received already (the same signed body): dropped"
    delivery = Delivery(f"linear-{event.delivery}", f"linear.{event.type}", event.action, repeated)
    return _queued(tenant_id, delivery, (task, name), signal, intake)


class Delivery(NamedTuple):
    """A checked delivery as the ledger keeps it, what it answers, and the 409's words for a repeat."""

    event_id: str
    event_type: str
    detail: str
    repeated: str


def _ours[S](
    signal: TrackerSignal | None, connected: tuple[str, ...], intake: Intake[S]
) -> TrackerSignal | None:
    """``signal`` if it may start runs: rules are set and its team or project id is the connected one.
    It is then named by the connection's names only (a body's project path never widens a reach)."""
    if signal is None or intake.triggers is None or signal.targets[:1] != connected[:1]:
        return None
    return signal._replace(targets=connected)


def _queued[S](
    tenant_id: str,
    delivery: Delivery,
    mirror: tuple[SyncTask | None, tuple[str, float] | None],
    signal: TrackerSignal | None,
    intake: Intake[S],
) -> dict[str, str]:
    """Record the delivery (409 for one queued already), queue its mirror task and start its runs."""
    now = intake.now()
    task, named = mirror
    expires = now + timedelta(seconds=intake.event_ttl_s)
    body = task.model_dump(mode="json") if task is not None else None
    event_id = delivery.event_id
    record = intake.events.record(
        tenant_id, event_id, EventSeen(delivery.event_type, now, expires, task=body)
    )
    if not record.created and record.enqueued:
        raise Conflict(delivery.repeated)
    if task is not None and named is not None:
        intake.queue.enqueue(Queue.PLAN, task, named[0], delay_s=named[1])
    if signal is not None and intake.triggers is not None:
        intake.triggers(tenant_id, signal)
    intake.events.mark_enqueued(tenant_id, event_id)
    return {"result": "enqueued", "detail": delivery.detail}


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
    if event.kind == "pipeline" and intake.pipelines is not None:
        return _pipeline(tenant_id, body, event.delivery, connection, intake)
    mirrored = event.kind in gitlab_events.ISSUE_KINDS and event.project_id == connection.project_id
    connected = (str(connection.project_id), connection.project_path)
    signal = _ours(gitlab_signal(body), tuple(c for c in connected if c), intake)
    if not mirrored and signal is None:
        return {"result": "ignored", "detail": f"{event.kind} of another project or kind"}
    now = intake.now()
    task = (
        SyncTask(tenant_id=tenant_id, kind="issue", issue_id=str(event.iid), tool="gitlab")
        if mirrored
        else None
    )
    name = issue_task_name(tenant_id, str(event.iid), now, "gitlab") if mirrored else None
    kind = "issue" if mirrored else event.kind
    repeated = "this delivery was received already (its event id repeated): dropped"
    delivery = Delivery(f"gitlab-{event.delivery}", f"gitlab.{kind}", event.action or event.kind, repeated)
    return _queued(tenant_id, delivery, (task, name), signal, intake)


def _pipeline(
    tenant_id: str, body: bytes, delivery: str, connection: GitLabConnection, intake: GitLabIntake
) -> dict[str, str]:
    """A Pipeline Hook (decision 0126): an ended pipeline of the connected project wakes the code run
    waiting on its branch, once per ``X-Gitlab-Event-UUID`` (409 for a repeat); the rest is ignored.
    The woken step reads the pipeline itself: nothing of the body is trusted beyond its branch."""
    ended = pipeline_ended(body)
    if isinstance(ended, str):
        raise InvalidInput(ended)
    if ended is None or ended.project_id != connection.project_id or not connection.project_path:
        return {"result": "ignored", "detail": "a pipeline still running, or of another project"}
    now = intake.now()
    expires = now + timedelta(seconds=intake.event_ttl_s)
    event_id = f"gitlab-{delivery}"
    record = intake.events.record(tenant_id, event_id, EventSeen("gitlab.pipeline", now, expires))
    if not record.created and record.enqueued:
        raise Conflict("this delivery was received already (its event id repeated): dropped")
    woken = intake.pipelines(tenant_id, connection.project_path, ended.ref) if intake.pipelines else []
    intake.events.mark_enqueued(tenant_id, event_id)
    return {"result": "woken" if woken else "ignored", "detail": f"pipeline {ended.status}"}
