"""Webhook intake: every Notion event becomes at most one task (``plan``, or a Runs row's decision or
answer on execute-step), and never calls Notion. :func:`ingest_webhook` checks, cheapest first, then
routes, filters, de-duplicates and enqueues. Changes to one page within ``coalesce_s`` name one task
(``shared.runs.domain.notion_events.plan_task``). The record ``tenants/{t}/events/{id}`` is created with
the task, then the task; plan marks it ``enqueued`` as it takes the task (:func:`task_taken`), this
module when the task was there already. A repeat of an unmarked record enqueues the kept task again,
which its name makes harmless. Why: docs/engine.md, "Triggers"; decisions 0014 and 0036.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform.config import WEBHOOK_EVENT_MAX_AGE_S, PlatformSecret
from shared.platform.domain.deliveries import body_problem
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import InvalidInput, NotFound, Unauthenticated
from shared.platform.logs import add_labels
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import (
    EVENT_API_VERSIONS,
    EVENT_TYPES,
    NotionEvent,
    PlanRequest,
    admit,
    by_owner,
    indexed_page,
    is_handshake,
    plain_id,
    plan_task,
    plausible_verification_token,
    settle_time,
    signature_valid,
    skipped_edit,
    timestamp_problem,
    too_old,
)
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.rows_task import AnswerTask, DecideTask
from shared.workspace.domain.tenants import EventSeen, Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.workspace.ports import TenantStore, WebhookEventLedger

log = logging.getLogger(__name__)


class Intake(NamedTuple):
    """What webhook intake uses."""

    tenants: TenantStore
    events: WebhookEventLedger
    queue: TaskQueue
    secrets: SecretStore
    event_ttl_s: float
    coalesce_s: float = 0.0
    # Until when a verification token may be stored (NA_WEBHOOK_VERIFICATION_UNTIL); None: never.
    verification_until: datetime | None = None
    # How old (by its timestamp) a signed event may be: older ones are dropped, nothing stored.
    max_age_s: float = WEBHOOK_EVENT_MAX_AGE_S
    # Page events of chosen pages queue an index task (NA_WORKSPACE_INDEX; docs/memory.md).
    index_pages: bool = False


class Outcome(NamedTuple):
    result: str  # verification_stored | enqueued | coalesced | duplicate | ignored | dropped
    detail: str = ""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _verification_token(secrets: SecretStore, fresh: bool = False) -> str | None:
    try:
        return secrets.get(PlatformSecret.NOTION_WEBHOOK_TOKEN, fresh=fresh)
    except NotFound:
        return None


def _handshake(token: str, secrets: SecretStore, until: datetime | None, now: datetime) -> Outcome:
    if not plausible_verification_token(token):  # never echoed: it may be a real token mistyped
        raise InvalidInput(
            "the verification token must be 1 to 500 visible ASCII characters", ["verification_token"]
        )
    # Fresh: after an operator emptied the secret to replace the token, an instance's cache may still
    # hold the old one for secret_cache_ttl_s, and would ignore Notion's new token.
    stored = _verification_token(secrets, fresh=True)
    if stored == token:
        return Outcome("ignored", "this verification token is already stored")
    if stored is not None:
        # Never replaced by an unsigned request: whoever could replace it could sign events.
        log.warning(
            "webhook: a verification request arrived but a token is already stored; it was ignored. To "
            "replace the token, delete secret %s, re-create it empty (terraform apply) and send the "
            "verification again from Notion.",
            PlatformSecret.NOTION_WEBHOOK_TOKEN.value,
        )
        return Outcome("ignored", "a verification token is already stored")
    if until is None or now > until:
        # Unsigned, so anyone's: stored only while the operator expects Notion's (a window they open).
        log.warning(
            "webhook: a verification request arrived while verification is closed; it was ignored. To "
            "create or replace the webhook subscription, set NA_WEBHOOK_VERIFICATION_UNTIL "
            "(terraform: webhook_verification_until) to a time shortly ahead, then have Notion send it."
        )
        return Outcome("ignored", "webhook verification is closed")
    secrets.put(PlatformSecret.NOTION_WEBHOOK_TOKEN, token)
    log.warning(
        "webhook: Notion's verification token arrived and is stored as secret %s. To confirm the "
        "subscription, paste that secret's value into the Verify dialog of the integration's Webhooks tab.",
        PlatformSecret.NOTION_WEBHOOK_TOKEN.value,
    )
    return Outcome("verification_stored")


def ingest_webhook(
    body: bytes, signature: str | None, intake: Intake, now: datetime | None = None
) -> Outcome:
    """What one delivery comes to. Checks in order: the verification handshake (unsigned; a token not
    1-500 visible ASCII characters is a 400; stored only if none is) → the signature over the raw body
    (401) → a JSON object with a type (400). The body also holds to every webhook's rule
    (:mod:`shared.platform.domain.deliveries`, 400). Unknown types are acknowledged. Then the event's
    shape, ids and timestamp (400, :func:`~shared.runs.domain.notion_events.timestamp_problem`) → its age (200,
    dropped, ``too_old``) → routing by workspace (unknown, revoked or needing reconnect: 200, dropped)
    → the tenant's filters (200, ignored) → de-duplication and enqueue."""
    payload = _json(body)
    now = now or datetime.now(UTC)
    if signature is None and is_handshake(payload):
        return _handshake(payload["verification_token"], intake.secrets, intake.verification_until, now)
    token = _verification_token(intake.secrets)
    if token is None:
        log.warning("webhook: an event arrived before Notion's verification token was stored")
    if token is None or not signature_valid(token, body, signature):
        raise Unauthenticated("missing or wrong X-Notion-Signature")
    if problem := body_problem(body):  # the rule of every webhook (Infinity, 1e400, deep nesting)
        raise InvalidInput(problem)
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise InvalidInput("the event has no type", ["type"])
    if kind not in EVENT_TYPES:
        return Outcome("ignored", f"event type {kind[:100]!r} starts no work")
    event = NotionEvent.model_validate(payload)
    if event.api_version is not None and event.api_version not in EVENT_API_VERSIONS:
        # Acknowledged, not read: its shapes are another version's. Seen in the logs, to be fixed once.
        reason = (
            f"API version {event.api_version!r} is not one the agent reads: make the webhook subscription "
            f"again with {max(EVENT_API_VERSIONS)} (docs/deploy.md)"
        )
        log.warning(
            "webhook: event %s (%s) ignored: %s",
            event.id,
            event.type,
            reason,
            extra={"fields": {"event": "webhook_api_version", "api_version": event.api_version}},
        )
        return Outcome("ignored", reason)
    problem = timestamp_problem(event, now)
    if problem:
        # Signed, so from Notion: logged, as Notion gives up on it after its retries.
        log.warning("webhook: event %s (%s) refused: %s", event.id, event.type, problem)
        raise InvalidInput(problem, ["timestamp"])
    stale = too_old(event, now, timedelta(seconds=intake.max_age_s))
    if stale:
        # Acknowledged (200), not refused: a refusal would only have Notion deliver it again, as old.
        log.warning("webhook: event %s (%s) dropped: %s", event.id, event.type, stale)
        return Outcome("dropped", stale)
    return _route(event, intake, now)


def _route(event: NotionEvent, intake: Intake, now: datetime) -> Outcome:
    tenant = intake.tenants.by_workspace(event.workspace_id)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        why = "unknown workspace" if tenant is None else f"workspace is {tenant.status.value}"
        log.info("webhook: event %s (%s) dropped: %s", event.id, event.type, why)
        return Outcome("dropped", why)
    add_labels(tenant=tenant.tenant_id)
    if intake.index_pages:
        _queue_index(event, tenant, intake, now)
    on_row = _runs_row_task(event, tenant, intake)
    if on_row is not None:
        return on_row
    admission = admit(event, tenant)
    if not admission.admitted:
        # No Notion read, no model call, no record, no task: counted by its label. An edit the rules
        # skipped is kept a week (bounded per tenant), for the console's list.
        if admission.rule_skipped:
            intake.events.skip(tenant.tenant_id, skipped_edit(event, admission.reason, now))
        log.info(
            "webhook: event %s (%s) ignored: %s",
            event.id,
            event.type,
            admission.reason,
            extra={"fields": {"event": "webhook_ignored", "type": event.type}},
        )
        return Outcome("ignored", admission.reason)
    expires = now + timedelta(seconds=intake.event_ttl_s)
    owner = by_owner(event, tenant)
    first = plan_task(
        event,
        tenant.tenant_id,
        intake.coalesce_s,
        now,
        owner=owner,
        checks=admission.checks,
        agent_id=admission.agent_id,
        rule=admission.rule,
        bot_id=tenant.bot_id,
    )
    record = intake.events.record(
        tenant.tenant_id, event.id, EventSeen(event.type, now, expires, task=first.stored())
    )
    # A repeat enqueues the task its first delivery made (kept in the record), whatever it says now
    request = first if record.created else PlanRequest.restored(record.task)
    if request is None:  # a record from before records kept their task: named from the event again
        request = plan_task(
            event,
            tenant.tenant_id,
            intake.coalesce_s,
            record.first_seen,
            owner=owner,
            checks=admission.checks,
            agent_id=admission.agent_id,
            rule=admission.rule,
            bot_id=tenant.bot_id,
        )
    task = request.task
    created = False
    if not record.enqueued:  # new, or a repeat of a delivery that may not have made its task
        created = intake.queue.enqueue(Queue.PLAN, task, request.task_id, _delay_s(request, intake, now))
        if not created:  # the task was there: marked now; one this made, plan marks (task_taken)
            intake.events.mark_enqueued(tenant.tenant_id, event.id)
    if not record.created:
        log.info("webhook: event %s (%s) is a repeat", event.id, event.type)
        return Outcome("duplicate", task.run_id)
    if request.coalesced and not created:
        log.info("webhook: event %s (%s) joins run %s of the same page", event.id, event.type, task.run_id)
        return Outcome("coalesced", task.run_id)
    log.info("webhook: event %s (%s) → run %s (%s)", event.id, event.type, task.run_id, admission.reason)
    return Outcome("enqueued", task.run_id)


def task_taken(task: PlanTask, events: WebhookEventLedger) -> None:
    """Mark the record of the event whose delivery made ``task`` (plan calls it as it takes the task):
    a repeat of that event then enqueues nothing, also once Cloud Tasks lets the task's name be used
    again. Not a Notion event's task: nothing to mark."""
    if task.trigger.kind == "webhook" and task.trigger.event_id:
        events.mark_enqueued(task.tenant_id, task.trigger.event_id)


def _queue_index(event: NotionEvent, tenant: Tenant, intake: Intake, now: datetime) -> None:
    """A chosen page's change (any author's, a deletion too): its index task, one per page and
    coalescing window, due at the window's end (a repeat or a later change in it names the same)."""
    from shared.platform.domain.index_task import IndexTask, index_task_name

    page = indexed_page(event, tenant)
    if page is None or not re.fullmatch(r"[0-9a-f]{32}", page):
        return
    name, run_at = index_task_name(tenant.tenant_id, page, event.timestamp, intake.coalesce_s)
    delay = max(0.0, (run_at - now).total_seconds())
    intake.queue.enqueue(Queue.PLAN, IndexTask(tenant_id=tenant.tenant_id, page_id=page), name, delay)


def _runs_row_task(event: NotionEvent, tenant: Tenant, intake: Intake) -> Outcome | None:
    """A person's change of, or comment on, a Runs row: the task that checks it; None otherwise."""
    if _in_runs_database(event, tenant):
        return _route_decision(event, tenant, intake)
    if _on_runs_row(event, tenant, intake):
        return _route_answer(event, tenant, intake)
    return None


def _in_runs_database(event: NotionEvent, tenant: Tenant) -> bool:
    """Whether ``event`` changed a row of the agent's Runs database (``Tenant.home``)."""
    runs = tenant.home.runs if tenant.home is not None else None
    parent = event.data.parent.data_source_id if event.data.parent is not None else None
    same = runs is not None and bool(parent) and _plain(parent) == _plain(runs.data_source_id)
    return same and event.type == "page.properties_updated"


def _plain(notion_id: str | None) -> str:
    return (notion_id or "").replace("-", "").lower()


def _route_decision(event: NotionEvent, tenant: Tenant, intake: Intake) -> Outcome:
    """A person's change of a Runs row: a task that reads the row and decides if the owner alone
    made it (``run_rows.decide``); our own bot's writes are ignored. Named by the event: once."""
    people = [a.id for a in event.authors if _plain(a.id) != _plain(tenant.bot_id)]
    if not people:
        return Outcome("ignored", "the agent's own change of a Runs row")
    task = DecideTask(
        tenant_id=tenant.tenant_id,
        page_id=event.entity.id,
        event_id=event.id,
        by_owner=by_owner(event, tenant),
        authors=people[:20],
    )
    intake.queue.enqueue(Queue.EXECUTE_STEP, task, f"decide:{tenant.tenant_id}:{event.id}")
    log.info("webhook: event %s changed a Runs row: its decision is checked", event.id)
    return Outcome("enqueued", f"decision on row {event.entity.id}")


def _on_runs_row(event: NotionEvent, tenant: Tenant, intake: Intake) -> bool:
    """Whether ``event`` is a person's comment on a row of the agent's Runs database: one Firestore
    read (``run_row_index``), and none for our own bot's comments or a workspace without Runs."""
    if event.type != "comment.created" or tenant.home is None or tenant.home.runs is None:
        return False
    bot = _plain(tenant.bot_id)
    page = plain_id(event.data.page_id)
    if not page or not is_run_id(event.entity.id) or all(_plain(a.id) == bot for a in event.authors):
        return False
    return intake.tenants.is_run_row(tenant.tenant_id, page)


def _route_answer(event: NotionEvent, tenant: Tenant, intake: Intake) -> Outcome:
    """A person's comment on a Runs row: a task that answers the row's question with the comment if
    the owner alone wrote it (``row_answers.answer_by_comment``). Named by the event: once."""
    task = AnswerTask(
        tenant_id=tenant.tenant_id,
        page_id=plain_id(event.data.page_id),
        comment_id=event.entity.id,
        event_id=event.id,
        by_owner=by_owner(event, tenant),
    )
    intake.queue.enqueue(Queue.EXECUTE_STEP, task, f"answer:{tenant.tenant_id}:{event.id}")
    log.info("webhook: event %s commented on a Runs row: its answer is checked", event.id)
    return Outcome("enqueued", f"answer on row {task.page_id}")


def _delay_s(request: PlanRequest, intake: Intake, now: datetime) -> float:
    """Seconds until the task's scheduled time; never more than a window and its settle time from now,
    whatever the event's clock says (a timestamp ahead of ours would hold its run back)."""
    if request.run_at is None:
        return 0.0
    wait = (request.run_at - now).total_seconds()
    return min(max(wait, 0.0), intake.coalesce_s + settle_time(intake.coalesce_s).total_seconds())
