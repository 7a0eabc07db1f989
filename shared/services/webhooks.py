"""Webhook intake: every Notion event becomes at most one ``plan`` task, and never calls Notion.

Order of checks, cheapest and safest first: the verification handshake (unsigned; a token that is not
1-500 visible ASCII characters is a 400; stored only if no token is stored yet) → signature over the
raw body (401) → JSON object with a type (400) → unknown types acknowledged and ignored → the event's
shape, its timestamp included (400 before ``EARLIEST_EVENT`` or beyond ``CLOCK_SKEW`` ahead, see
:mod:`shared.domain.notion_events`) → routing by workspace (unknown, revoked or needing reconnect:
200, dropped) → the tenant's filters (200, ignored) → de-duplication and enqueue.

Changes to one page within ``coalesce_s`` (see :func:`~shared.domain.notion_events.plan_task`) name
one task, scheduled for the end of their window: the first creates it, the others find it
(``coalesced``) and their change is read when the run fetches the page.

De-duplication without losing an event: the record ``tenants/{t}/events/{id}`` is created first, then
the task, named from the event id, is created. A repeat delivery finds the record; if the record is
younger than :data:`REENQUEUE_WINDOW` the task is created again, which Cloud Tasks refuses by name when
the first attempt got that far (task names stay taken for about an hour after the task ran), and which
recovers the event when an instance died between the record and the task. Older repeats are dropped.
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from shared.config import PlatformSecret, Queue
from shared.domain.notion_events import (
    EVENT_TYPES,
    NotionEvent,
    decide,
    is_handshake,
    plan_task,
    plausible_verification_token,
    signature_valid,
    timestamp_problem,
)
from shared.domain.tenants import TenantStatus
from shared.errors import InvalidInput, NotFound, Unauthenticated
from shared.logs import add_labels
from shared.ports import SecretStore, TaskQueue, TenantStore, WebhookEventLedger

log = logging.getLogger(__name__)
REENQUEUE_WINDOW = timedelta(minutes=30)


class Intake(NamedTuple):
    """What webhook intake uses."""

    tenants: TenantStore
    events: WebhookEventLedger
    queue: TaskQueue
    secrets: SecretStore
    event_ttl_s: float
    coalesce_s: float = 0.0


class Outcome(NamedTuple):
    result: str  # verification_stored | enqueued | coalesced | duplicate | ignored | dropped
    detail: str = ""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _verification_token(secrets: SecretStore) -> str | None:
    try:
        return secrets.get(PlatformSecret.NOTION_WEBHOOK_TOKEN)
    except NotFound:
        return None


def _handshake(token: str, secrets: SecretStore) -> Outcome:
    if not plausible_verification_token(token):  # never echoed: it may be a real token mistyped
        raise InvalidInput(
            "the verification token must be 1 to 500 visible ASCII characters", ["verification_token"]
        )
    stored = _verification_token(secrets)
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
    payload = _json(body)
    if signature is None and is_handshake(payload):
        return _handshake(payload["verification_token"], intake.secrets)
    token = _verification_token(intake.secrets)
    if token is None:
        log.warning("webhook: an event arrived before Notion's verification token was stored")
    if token is None or not signature_valid(token, body, signature):
        raise Unauthenticated("missing or wrong X-Notion-Signature")
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise InvalidInput("the event has no type", ["type"])
    if kind not in EVENT_TYPES:
        return Outcome("ignored", f"event type {kind[:100]!r} starts no work")
    event = NotionEvent.model_validate(payload)
    now = now or datetime.now(UTC)
    problem = timestamp_problem(event, now)
    if problem:
        # Signed, so from Notion: logged, as Notion gives up on it after its retries.
        log.warning("webhook: event %s (%s) refused: %s", event.id, event.type, problem)
        raise InvalidInput(problem, ["timestamp"])
    return _route(event, intake, now)


def _route(event: NotionEvent, intake: Intake, now: datetime) -> Outcome:
    tenant = intake.tenants.by_workspace(event.workspace_id)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        why = "unknown workspace" if tenant is None else f"workspace is {tenant.status.value}"
        log.info("webhook: event %s (%s) dropped: %s", event.id, event.type, why)
        return Outcome("dropped", why)
    add_labels(tenant=tenant.tenant_id)
    decision = decide(event, tenant)
    if not decision.start:
        log.info("webhook: event %s (%s) ignored: %s", event.id, event.type, decision.reason)
        return Outcome("ignored", decision.reason)
    request = plan_task(event, tenant.tenant_id, intake.coalesce_s)
    task = request.task
    expires = now + timedelta(seconds=intake.event_ttl_s)
    record = intake.events.record(tenant.tenant_id, event.id, event.type, now, expires)
    created = False
    if record.created or now - record.first_seen < REENQUEUE_WINDOW:
        # Never later than one window from now, whatever the event's clock says.
        wait = (request.not_before - now).total_seconds() if request.not_before else 0.0
        created = intake.queue.enqueue(
            Queue.PLAN, task, request.task_id, min(max(wait, 0.0), intake.coalesce_s)
        )
    if not record.created:
        log.info("webhook: event %s (%s) is a repeat", event.id, event.type)
        return Outcome("duplicate", task.run_id)
    if request.coalesced and not created:
        log.info("webhook: event %s (%s) joins run %s of the same page", event.id, event.type, task.run_id)
        return Outcome("coalesced", task.run_id)
    log.info("webhook: event %s (%s) → run %s (%s)", event.id, event.type, task.run_id, decision.reason)
    return Outcome("enqueued", task.run_id)
