"""Registering a workspace's webhook endpoints (an admin's). Create one with an idempotency key: its
signing secret is shown in that answer, and in a repeat of it within an hour, never after. List them, remove one,
list an endpoint's deliveries (newest first, a cursor), send a delivery again. A URL that is not
https on a public host is a 400 with the reason, nothing kept. The tenant's ``outbound_types`` follow
every change, so emitters read them with the tenant alone."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared.outbound.domain.endpoints import (
    DELIVERY_ID,
    Delivery,
    Endpoint,
    address_problem,
    checked_url,
    endpoint_id_for,
    endpoint_secret,
    legacy_endpoint_secret,
    new_secret,
)
from shared.outbound.domain.events import EventType
from shared.outbound.services.hooks import Hooks, queue_delivery, sync_types
from shared.platform import errors

if TYPE_CHECKING:
    from shared.outbound.ports import HookStore

MAX_ENDPOINTS = 20
SECRET_SHOWN_FOR = timedelta(hours=1)  # a create's repeat (its key) shows the secret again this long
_FIELDS = {"url", "events", "request_id"}
_NOT_FOUND = "no webhook endpoint of this workspace has this id"


def add_endpoint(tenant_id: str, body: dict[str, Any], by: str, h: Hooks) -> tuple[dict[str, Any], int]:
    """``(view with its secret, 201)`` of the endpoint ``body`` (``url``, ``events``, ``request_id``)
    makes; a repeat of the key answers the same endpoint (200; its secret within an hour), another
    body with that key is a 409."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise errors.InvalidInput(f"unknown fields {unknown}; send url, events and request_id", unknown)
    try:
        url, host = checked_url(body.get("url"), h.allow_loopback)
    except ValueError as exc:
        raise errors.InvalidInput(str(exc), ["url"]) from None
    kinds = _event_types(body.get("events"))
    key = body.get("request_id")
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= 64
        or not key.replace("-", "").replace("_", "").isalnum()
    ):
        raise errors.InvalidInput(
            "request_id: 1 to 64 letters, digits, - or _ (the create's idempotency key)", ["request_id"]
        )
    ident = endpoint_id_for(by, key)
    made = h.store.endpoint(tenant_id, ident)
    if made is not None:
        return _repeat(tenant_id, made, url, kinds, h), 200
    if len(h.store.endpoints(tenant_id)) >= MAX_ENDPOINTS:
        raise errors.InvalidInput(f"a workspace registers at most {MAX_ENDPOINTS} webhook endpoints", ["url"])
    problem = address_problem(host, h.sender.addresses(host), h.allow_loopback)
    if problem:
        raise errors.InvalidInput(f"{problem}; nothing was stored", ["url"])
    secret = new_secret(os.urandom(32))
    h.secrets.put(endpoint_secret(tenant_id, ident), secret)
    endpoint = Endpoint(id=ident, url=url, events=kinds, created_at=h.now(), created_by=by, request_id=key)
    if not h.store.create_endpoint(tenant_id, endpoint):  # the same key at once: theirs stands
        made = h.store.endpoint(tenant_id, ident)
        if made is None:
            raise errors.TransientError("the endpoint was created and removed meanwhile; try again")
        return _repeat(tenant_id, made, url, kinds, h), 200
    sync_types(tenant_id, h.tenants, h.store)
    return view(endpoint) | {"secret": secret}, 201


def _event_types(raw: object) -> tuple[EventType, ...]:
    names = ", ".join(t.value for t in EventType)
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise errors.InvalidInput(f"events: a list of one or more of {names}", ["events"])
    unknown = sorted(set(raw) - {t.value for t in EventType})
    if unknown:
        raise errors.InvalidInput(f"events: {unknown} are no event types; they are {names}", ["events"])
    return tuple(t for t in EventType if t.value in raw)


def _repeat(
    tenant_id: str, made: Endpoint, url: str, kinds: tuple[EventType, ...], h: Hooks
) -> dict[str, Any]:
    """A create's repeat: the endpoint its key made, with its secret while the create is recent."""
    if made.url != url or made.events != kinds:
        raise errors.Conflict("this request_id already created another endpoint; use a new request_id")
    if h.now() - made.created_at > SECRET_SHOWN_FOR:
        return view(made) | {"secret": None}
    return view(made) | {"secret": h.secrets.get(endpoint_secret(tenant_id, made.id))}


def list_endpoints(tenant_id: str, store: HookStore, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{endpoints, next_cursor}``: the workspace's endpoints by id, after ``cursor`` (an id)."""
    found = [e for e in store.endpoints(tenant_id) if cursor is None or e.id > cursor]
    page = found[:limit]
    return {"endpoints": [view(e) for e in page], "next_cursor": page[-1].id if len(found) > limit else None}


def remove_endpoint(tenant_id: str, endpoint_id: str, h: Hooks) -> dict[str, Any]:
    """Forget an endpoint: its secret, its deliveries, its record; the tenant's types follow."""
    if h.store.endpoint(tenant_id, endpoint_id) is None:
        raise errors.NotFound(_NOT_FOUND)
    h.secrets.delete(endpoint_secret(tenant_id, endpoint_id))
    h.secrets.delete(legacy_endpoint_secret(tenant_id, endpoint_id))  # one registered before 0202
    h.store.delete_endpoint(tenant_id, endpoint_id)
    sync_types(tenant_id, h.tenants, h.store)
    return {"id": endpoint_id, "removed": True}


def forget_endpoints(tenant_id: str, h: Hooks) -> int:
    """Every endpoint of the tenant forgotten, each secret first (a workspace's erasure): how many."""
    ids = [endpoint.id for endpoint in h.store.endpoints(tenant_id)]
    for ident in ids:
        h.secrets.delete(endpoint_secret(tenant_id, ident))
        h.secrets.delete(legacy_endpoint_secret(tenant_id, ident))  # one registered before 0202
    for ident in ids:
        h.store.delete_endpoint(tenant_id, ident)
    return len(ids)


def list_deliveries(
    tenant_id: str, endpoint_id: str, store: HookStore, cursor: str | None, limit: int
) -> dict[str, Any]:
    """``{deliveries, next_cursor}``: an endpoint's deliveries, newest first."""
    if store.endpoint(tenant_id, endpoint_id) is None:
        raise errors.NotFound(_NOT_FOUND)
    if cursor is not None and not DELIVERY_ID.fullmatch(cursor):
        raise errors.InvalidInput(
            "cursor: not one this api gave: start again from the first page", ["cursor"]
        )
    found = store.deliveries(tenant_id, endpoint_id, cursor, limit + 1)
    page = found[:limit]
    return {
        "deliveries": [delivery_view(d) for d in page],
        "next_cursor": page[-1].id if len(found) > limit else None,
    }


def send_again(tenant_id: str, endpoint_id: str, delivery_id: str, h: Hooks) -> dict[str, Any]:
    """The delivery pending in a new round and queued; a disabled endpoint is enabled by it (its
    failures counted afresh). The receiver gets the same ``webhook-id``."""
    endpoint = h.store.endpoint(tenant_id, endpoint_id)
    if endpoint is None:
        raise errors.NotFound(_NOT_FOUND)
    again = h.store.resend(tenant_id, endpoint_id, delivery_id)
    if again is None:
        raise errors.NotFound("this endpoint has no delivery of this id")
    if endpoint.disabled_at is not None:
        h.store.outcome(tenant_id, endpoint_id, True, 0, h.now())
        sync_types(tenant_id, h.tenants, h.store)
    queue_delivery(h, tenant_id, again)
    return delivery_view(again)


def view(endpoint: Endpoint) -> dict[str, Any]:
    """What the api shows of an endpoint: never its secret."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": [t.value for t in endpoint.events],
        "created_at": endpoint.created_at.isoformat(),
        "enabled": endpoint.disabled_at is None,
        "disabled_why": endpoint.disabled_why,
        "failures": endpoint.failures,
    }


def delivery_view(d: Delivery) -> dict[str, Any]:
    """What the api shows of a delivery: its status and attempts, not its body."""
    return {
        "id": d.id,
        "event_id": d.event_id,
        "type": d.type.value,
        "created_at": d.created_at.isoformat(),
        "status": d.status,
        "attempts": d.attempts,
        "last_code": d.last_code,
        "last_error": d.last_error,
        "last_at": d.last_at.isoformat() if d.last_at else None,
    }
