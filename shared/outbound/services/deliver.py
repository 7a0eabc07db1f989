"""Delivering events (notify's ``POST /outbound``). An event's task makes one delivery per endpoint
that takes its type, each created once and queued by name. A delivery's task signs its body
(Standard Webhooks), posts it, and records the attempt. A failed attempt raises a TransientError, so
the queue tries again with its backoff. An endpoint failing ``disable_after`` attempts in a row is
disabled and its owner told. A delivered (or older round's) delivery is never sent again by a task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shared.notify.domain.notify_task import NotifyTask
from shared.outbound.domain.endpoints import (
    Delivery,
    Endpoint,
    address_problem,
    delivery_id_for,
    endpoint_secret,
    legacy_endpoint_secret,
    signature,
)
from shared.outbound.domain.events import body_of, event
from shared.outbound.domain.hook_task import HookTask
from shared.outbound.services.hooks import Hooks, queue_delivery, sync_types
from shared.platform import errors
from shared.platform.topology import Queue

if TYPE_CHECKING:
    pass

KEPT_FOR = timedelta(days=30)  # a delivery's record, then removed by TTL
USER_AGENT = "NotionAgent-Webhooks/1"


def run_hook_task(task: HookTask, h: Hooks) -> dict[str, Any]:
    """One outbound task: an event's fan-out or one delivery's attempt (a TransientError: retried)."""
    if task.kind == "event":
        return fan_out(task, h)
    if task.endpoint_id is None or task.delivery_id is None:
        raise errors.PermanentError("a delivery task names its endpoint and its delivery")
    return attempt(task.tenant_id, task.endpoint_id, task.delivery_id, task.round, h)


def fan_out(task: HookTask, h: Hooks) -> dict[str, Any]:
    """The event's delivery to each enabled endpoint taking its type, made once, queued by name."""
    if task.type is None or task.event_id is None or task.at is None:
        raise errors.PermanentError("an event task names its type, its id and its time")
    try:
        out = event(task.type, task.event_id, task.at, **task.data)
    except ValueError as exc:
        raise errors.PermanentError(str(exc)) from None
    now, made = h.now(), 0
    for endpoint in h.store.taking(task.tenant_id, out.type):
        if endpoint.disabled_at is not None:
            continue
        delivery = Delivery(
            id=delivery_id_for(out.event_id, endpoint.id),
            endpoint_id=endpoint.id,
            event_id=out.event_id,
            type=out.type,
            created_at=now,
            body=body_of(out),
            expires_at=now + KEPT_FOR,
        )
        h.store.create_delivery(task.tenant_id, delivery)  # made already: its task is named alike
        queue_delivery(h, task.tenant_id, delivery)
        made += 1
    return {"event_id": out.event_id, "deliveries": made}


def attempt(tenant_id: str, endpoint_id: str, delivery_id: str, round_: int, h: Hooks) -> dict[str, Any]:
    """One attempt: nothing for a delivery delivered, skipped or of a later round; skipped for an
    endpoint gone or disabled; else signed, posted and recorded. A failure that leaves the endpoint
    enabled raises a TransientError (the queue's backoff)."""
    delivery = h.store.delivery(tenant_id, endpoint_id, delivery_id)
    if delivery is None or delivery.round != round_ or delivery.status != "pending":
        return {"delivery_id": delivery_id, "sent": False, "status": delivery.status if delivery else "gone"}
    endpoint = h.store.endpoint(tenant_id, endpoint_id)
    if endpoint is None or endpoint.disabled_at is not None:
        why = "the endpoint was removed" if endpoint is None else "the endpoint is disabled"
        h.store.attempted(tenant_id, endpoint_id, delivery_id, {"status": "skipped", "last_error": why})
        return {"delivery_id": delivery_id, "sent": False, "status": "skipped"}
    now = h.now()
    until = now + timedelta(seconds=h.timeout_s + 5)
    if not h.store.claim(tenant_id, delivery, now, until):
        raise errors.TransientError(f"webhook delivery {delivery_id}: another attempt is sending it")
    code, error = _post(tenant_id, endpoint, delivery, now, h)
    ok = code is not None and 200 <= code < 300
    status = "delivered" if ok else "pending"
    fields = {"status": status, "last_code": code, "last_error": error, "last_at": now, "sending_until": None}
    h.store.attempted(tenant_id, endpoint_id, delivery_id, fields)
    if h.store.outcome(tenant_id, endpoint_id, ok, h.disable_after, now):
        _disabled(tenant_id, endpoint, now, h)
    if ok:
        return {"delivery_id": delivery_id, "sent": True, "status": "delivered"}
    current = h.store.endpoint(tenant_id, endpoint_id)
    if current is None or current.disabled_at is not None:
        h.store.attempted(tenant_id, endpoint_id, delivery_id, {"status": "failed"})
        return {"delivery_id": delivery_id, "sent": False, "status": "failed"}
    raise errors.TransientError(f"webhook delivery {delivery_id}: {error or f'the endpoint answered {code}'}")


def _post(
    tenant_id: str, endpoint: Endpoint, delivery: Delivery, now: datetime, h: Hooks
) -> tuple[int | None, str]:
    """The signed POST's status, or None and why none came (an address refused is one)."""
    host = (urlsplit(endpoint.url).hostname or "").lower()
    problem = address_problem(host, h.sender.addresses(host), h.allow_loopback)
    if problem:
        return None, problem
    secret = _signing_key(tenant_id, endpoint.id, h)
    stamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature(secret, delivery.id, stamp, delivery.body),
    }
    return h.sender.post(endpoint.url, headers, delivery.body, h.timeout_s)


def _signing_key(tenant_id: str, endpoint_id: str, h: Hooks) -> str:
    """The endpoint's signing key: under the webhooks' prefix, or for an endpoint registered before
    it (decision 0202) under the legacy name it was written with."""
    try:
        return h.secrets.get(endpoint_secret(tenant_id, endpoint_id))
    except errors.NotFound:
        return h.secrets.get(legacy_endpoint_secret(tenant_id, endpoint_id))


def _disabled(tenant_id: str, endpoint: Endpoint, now: datetime, h: Hooks) -> None:
    """The endpoint stops taking events (the tenant's types follow) and its owner hears why."""
    sync_types(tenant_id, h.tenants, h.store)
    host = urlsplit(endpoint.url).hostname or "?"
    notice = NotifyTask(
        notification_id=f"hook-off-{endpoint.id}-{now:%Y%m%d%H%M%S}",
        tenant_id=tenant_id,
        subject="A webhook endpoint was disabled",
        text=f"After {h.disable_after} failed deliveries in a row, the webhook endpoint at {host} receives "
        "no more events. Once it answers again, press Send again on one of its deliveries "
        "(Integrations, Webhooks): that enables it.",
        data={"kind": "hook_disabled"},
    )
    h.queue.enqueue(Queue.NOTIFY, notice, f"notify:{notice.notification_id}")
