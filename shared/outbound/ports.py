"""What the outbound capability needs of the outside: where endpoints and their deliveries are kept,
and the HTTP sender that posts a signed delivery to an endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from shared.outbound.domain.endpoints import Delivery, Endpoint
    from shared.outbound.domain.events import EventType


class HookStore(Protocol):
    """``tenants/{t}/hook_endpoints/{e}`` and ``…/hook_deliveries/{d}`` under each endpoint."""

    def create_endpoint(self, tenant_id: str, endpoint: Endpoint) -> bool:
        """Create the endpoint's record; False when one of its id exists (kept as it is)."""
        ...

    def endpoint(self, tenant_id: str, endpoint_id: str) -> Endpoint | None: ...

    def endpoints(self, tenant_id: str) -> list[Endpoint]:
        """The tenant's endpoints (a few: at most ``MAX_ENDPOINTS`` and one), by id."""
        ...

    def taking(self, tenant_id: str, kind: EventType) -> list[Endpoint]:
        """The endpoints (enabled or not) whose events include ``kind``."""
        ...

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None:
        """Forget the endpoint and its deliveries (nothing when it is not there)."""
        ...

    def outcome(self, tenant_id: str, endpoint_id: str, ok: bool, disable_after: int, now: datetime) -> bool:
        """Count an attempt atomically: a success sets the failures to 0 (and enables the endpoint when
        ``disable_after`` is 0); a failure adds one and disables the endpoint at ``disable_after``. True
        when this call disabled it."""
        ...

    def create_delivery(self, tenant_id: str, delivery: Delivery) -> bool:
        """Create the delivery; False when it exists (kept as it is)."""
        ...

    def delivery(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None: ...

    def deliveries(self, tenant_id: str, endpoint_id: str, after: str | None, limit: int) -> list[Delivery]:
        """An endpoint's deliveries, newest first, those after the delivery ``after``, at most ``limit``."""
        ...

    def attempted(self, tenant_id: str, endpoint_id: str, delivery_id: str, fields: dict[str, Any]) -> None:
        """Record an attempt: ``fields`` set and the attempts counted up by one, atomically."""
        ...

    def claim(self, tenant_id: str, delivery: Delivery, now: datetime, until: datetime) -> bool:
        """Take ``delivery``'s send until ``until`` (a transaction): True when it is still pending in
        the round it was read in and no other attempt holds it past ``now``; an attempt's record frees it."""
        ...

    def resend(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        """The delivery pending again in its next round (a transaction); None when it is not there."""
        ...


class HookSender(Protocol):
    """POSTs a delivery to an endpoint: no redirect followed, its answer's body never read."""

    def addresses(self, host: str) -> list[str]:
        """The addresses ``host`` resolves to (none when it does not)."""
        ...

    def post(self, url: str, headers: dict[str, str], body: str, timeout_s: float) -> tuple[int | None, str]:
        """``(status, "")`` for an answer, ``(None, why)`` when none came (refused, timed out)."""
        ...
