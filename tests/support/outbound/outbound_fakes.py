"""The outbound capability's ports in memory: endpoints and deliveries (``FakeHooks``) and a sender
that records each post and answers ``status`` (``FakeHookSender``; every host public)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.outbound.domain.endpoints import Delivery, Endpoint
from shared.outbound.domain.events import EventType
from shared.outbound.ports import HookSender, HookStore


@dataclass
class FakeHooks(HookStore):
    """Endpoints by (tenant, id); deliveries by (tenant, endpoint, id)."""

    kept: dict[tuple[str, str], Endpoint] = field(default_factory=dict)
    sent: dict[tuple[str, str, str], Delivery] = field(default_factory=dict)

    def create_endpoint(self, tenant_id: str, endpoint: Endpoint) -> bool:
        return self.kept.setdefault((tenant_id, endpoint.id), endpoint) is endpoint

    def endpoint(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        return self.kept.get((tenant_id, endpoint_id))

    def endpoints(self, tenant_id: str) -> list[Endpoint]:
        return sorted((e for (t, _), e in self.kept.items() if t == tenant_id), key=lambda e: e.id)

    def taking(self, tenant_id: str, kind: EventType) -> list[Endpoint]:
        return [e for e in self.endpoints(tenant_id) if kind in e.events]

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None:
        self.kept.pop((tenant_id, endpoint_id), None)
        for key in [k for k in self.sent if k[:2] == (tenant_id, endpoint_id)]:
            del self.sent[key]

    def outcome(self, tenant_id: str, endpoint_id: str, ok: bool, disable_after: int, now: datetime) -> bool:
        current = self.kept.get((tenant_id, endpoint_id))
        if current is None:
            return False
        if ok:
            change: dict[str, Any] = {"failures": 0}
            if disable_after == 0:
                change |= {"disabled_at": None, "disabled_why": ""}
            self.kept[(tenant_id, endpoint_id)] = current.model_copy(update=change)
            return False
        failures = current.failures + 1
        disables = current.disabled_at is None and failures >= disable_after
        change = {"failures": failures} | ({"disabled_at": now, "disabled_why": "failed"} if disables else {})
        self.kept[(tenant_id, endpoint_id)] = current.model_copy(update=change)
        return disables

    def create_delivery(self, tenant_id: str, delivery: Delivery) -> bool:
        key = (tenant_id, delivery.endpoint_id, delivery.id)
        return self.sent.setdefault(key, delivery) is delivery

    def delivery(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        return self.sent.get((tenant_id, endpoint_id, delivery_id))

    def deliveries(self, tenant_id: str, endpoint_id: str, after: str | None, limit: int) -> list[Delivery]:
        mine = sorted(
            (d for k, d in self.sent.items() if k[:2] == (tenant_id, endpoint_id)),
            key=lambda d: (d.created_at, d.id),
            reverse=True,
        )
        ids = [d.id for d in mine]
        start = ids.index(after) + 1 if after in ids else (len(ids) if after else 0)
        return mine[start : start + limit]

    def attempted(self, tenant_id: str, endpoint_id: str, delivery_id: str, fields: dict[str, Any]) -> None:
        key = (tenant_id, endpoint_id, delivery_id)
        current = self.sent[key]
        self.sent[key] = current.model_copy(update=fields | {"attempts": current.attempts + 1})

    def claim(self, tenant_id: str, delivery: Delivery, now: datetime, until: datetime) -> bool:
        key = (tenant_id, delivery.endpoint_id, delivery.id)
        current = self.sent.get(key)
        held = current is not None and current.sending_until is not None and current.sending_until > now
        if current is None or current.status != "pending" or current.round != delivery.round or held:
            return False
        self.sent[key] = current.model_copy(update={"sending_until": until})
        return True

    def resend(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        key = (tenant_id, endpoint_id, delivery_id)
        if key not in self.sent:
            return None
        self.sent[key] = self.sent[key].model_copy(
            update={"status": "pending", "round": self.sent[key].round + 1, "sending_until": None}
        )
        return self.sent[key]


@dataclass
class FakeHookSender(HookSender):
    """Every post recorded as ``(url, headers, body)``; answered ``status`` (None: no answer)."""

    status: int | None = 200
    posts: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def addresses(self, host: str) -> list[str]:
        return ["93.184.216.34"]

    def post(self, url: str, headers: dict[str, str], body: str, timeout_s: float) -> tuple[int | None, str]:
        self.posts.append((url, headers, body))
        return self.status, "" if self.status is not None else "no answer"
