"""A workspace's webhook endpoints and their deliveries, as kept, and what is checked before any is.
An endpoint's URL is https on a public host (http and loopback only when the local setting allows),
with no user, password or fragment; a host written as an address must be public
(shared.platform.domain.addresses). Its signing secret is never part of a record: it lives in the
secrets port under :func:`endpoint_secret` (its own prefix, ``webhook-``; those registered before
decision 0202 under :func:`legacy_endpoint_secret`). Signatures follow Standard Webhooks (:func:`signature`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict

from shared.outbound.domain.events import EventType
from shared.platform.domain.addresses import all_public, ip_literal
from shared.platform.domain.schema import Record

DISABLE_AFTER = 15  # consecutive failed attempts (across deliveries) that disable an endpoint
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, no secret); Standard Webhooks' prefix of a secret; the rest is base64 of its bytes
ENDPOINT_ID = re.compile(r"h[0-9a-f]{16}")
DELIVERY_ID = re.compile(r"msg_[0-9a-f]{24}")
_HOST = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
Status = Literal["pending", "delivered", "failed", "skipped"]


class Endpoint(Record):
    """``tenants/{t}/hook_endpoints/{id}``: where a workspace's events of ``events`` go. No secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    url: str
    events: tuple[EventType, ...]
    created_at: datetime
    created_by: str = ""
    request_id: str = ""
    failures: int = 0  # consecutive failed attempts; a success sets it back to 0
    disabled_at: datetime | None = None
    disabled_why: str = ""


class Delivery(Record):
    """``tenants/{t}/hook_endpoints/{e}/hook_deliveries/{id}``: one event for one endpoint, made once
    (its id from both), its body as signed and what its attempts met. ``round`` grows with each
    "send again"; a task of an older round does nothing."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    endpoint_id: str
    event_id: str
    type: EventType
    created_at: datetime
    body: str
    status: Status = "pending"
    attempts: int = 0
    last_code: int | None = None
    last_error: str = ""
    last_at: datetime | None = None
    round: int = 0
    expires_at: datetime | None = None
    sending_until: datetime | None = None  # an attempt holds the send until then (one POST at a time)


WEBHOOK_SECRET_PREFIX = "webhook-"  # noqa: S105 (a secret's name prefix): endpoints' signing keys only
LEGACY_SECRET_PREFIX = "sync-hook-out-"  # noqa: S105 (a name prefix): where they were before decision 0202


def endpoint_secret(tenant_id: str, endpoint_id: str) -> str:
    """The secret holding an endpoint's signing key: under a prefix of its own, which api writes and
    deletes and notify reads, and nothing else is named with (terraform/secrets.tf, decision 0202)."""
    return f"{WEBHOOK_SECRET_PREFIX}{tenant_id}-{endpoint_id}"


def legacy_endpoint_secret(tenant_id: str, endpoint_id: str) -> str:
    """Where an endpoint registered before decision 0202 keeps its key: under the sync's prefix, on a
    narrower one (``sync-hook-out-``) that notify may still read, and no tracker's secret starts with."""
    return f"{LEGACY_SECRET_PREFIX}{tenant_id}-{endpoint_id}"


def endpoint_id_for(member_id: str, request_id: str) -> str:
    """The endpoint a create's idempotency key names (the same key of the same person: the same one)."""
    return "h" + hashlib.sha256(f"{member_id}\n{request_id}".encode()).hexdigest()[:16]


def delivery_id_for(event_id: str, endpoint_id: str) -> str:
    """The delivery of an event to an endpoint: one id however often it is emitted or sent, the
    ``webhook-id`` a receiver de-duplicates on."""
    return "msg_" + hashlib.sha256(f"{event_id}\n{endpoint_id}".encode()).hexdigest()[:24]


def new_secret(random_bytes: bytes) -> str:
    """A signing secret in Standard Webhooks' form, ``whsec_<base64>``, from 24 to 64 random bytes."""
    if not 24 <= len(random_bytes) <= 64:
        raise ValueError("a signing secret takes 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def signature(secret: str, delivery_id: str, timestamp: int, body: str) -> str:
    """``webhook-signature``'s value: ``v1,`` and the base64 HMAC-SHA256, keyed by the secret's bytes,
    of ``<id>.<timestamp>.<body>`` (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{delivery_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def checked_url(raw: object, allow_loopback: bool) -> tuple[str, str]:
    """``(url, host)`` of an endpoint, or a ValueError saying why it is refused: https on a public
    host; http and a loopback address only with ``allow_loopback`` (the local stack)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not 10 <= len(text) <= 500:
        raise ValueError("url: the endpoint's URL, 10 to 500 characters, e.g. https://hooks.example.com/in")
    parts = urlsplit(text)
    port = _port(parts.netloc)
    host = (parts.hostname or "").lower()
    literal = ip_literal(host)
    loopback = allow_loopback and literal is not None and literal.is_loopback
    if parts.scheme != "https" and not (loopback and parts.scheme == "http"):
        raise ValueError("url: must start with https:// (events are never sent in the clear)")
    if parts.username or parts.password or parts.fragment or "@" in parts.netloc:
        raise ValueError("url: no user, password or fragment; https://host[:port]/path[?query]")
    if literal is None and not _HOST.fullmatch(host):
        raise ValueError("url: the host is not a domain name or an address")
    if literal is not None and not loopback and not literal.is_global:
        raise ValueError("url: a private, loopback, link-local (metadata) or reserved address is refused")
    if any(c.isspace() or ord(c) < 0x21 for c in parts.path + parts.query):
        raise ValueError("url: spaces or control characters in the path or query")
    netloc = f"[{host}]" if ":" in host else host
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}{parts.path or '/'}{query}", host


def _port(netloc: str) -> int | None:
    """The port a URL's ``netloc`` names (None: the scheme's), or a ValueError that it is no URL."""
    try:
        return urlsplit(f"//{netloc}").port
    except ValueError:
        raise ValueError("url: not a URL") from None


def address_problem(host: str, addresses: list[str], allow_loopback: bool) -> str:
    """Why a host resolving to ``addresses`` takes no delivery ("" when it may)."""
    literal = ip_literal(host)
    if allow_loopback and literal is not None and literal.is_loopback:
        return ""
    if not addresses:
        return "url: the host does not resolve to any address"
    if not all_public(addresses):
        return "url: the host resolves to a private, loopback, link-local or reserved address; refused"
    return ""
