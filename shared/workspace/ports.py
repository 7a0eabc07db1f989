"""The workspace's ports: the tenant store, OAuth states, invites, the webhook events' ledger.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from shared.workspace.domain.day_plans import Kept
    from shared.workspace.domain.skipped_edits import SkippedEdit
    from shared.workspace.domain.tenants import EventRecord, EventSeen, Tenant


class TenantStore(Protocol):
    """``tenants/{t}`` and the ``workspaces/{workspace_id}`` routing documents."""

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        """``fresh`` bypasses any per-instance cache: what a person just changed (a budget) counts."""
        ...

    def remember(self, tenant_id: str, tenant: Tenant | None) -> None:
        """``tenant`` as read fresh beside another document (an API key's read): a store for one
        request answers its next ``get`` with it; a store kept between requests ignores it."""
        ...

    def by_workspace(self, workspace_id: str) -> Tenant | None: ...

    def save(self, tenant: Tenant) -> None:
        """Write the tenant and its workspace routing document together, over whatever is stored
        (seeding; a change of a stored tenant goes through ``update``)."""
        ...

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        """Store ``change`` of the tenant as stored now (None: there is none yet) with its routing
        document, and return it. Conditioned on what was read: if another update lands in between,
        the tenant is read again and ``change`` applied to that, so no update undoes another (so
        ``change`` must have no side effect). What ``change`` raises goes up; nothing is stored."""
        ...

    def active_page(self, after: str | None, limit: int) -> list[Tenant]:
        """Up to ``limit`` active tenants in tenant-id order, after the id ``after`` (None: the first)."""
        ...

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        """``active_page``'s tenants, from one query, each as it arrives (the hourly tick). With
        ``fields`` (dotted paths, which must include Tenant's required fields) only those are read,
        the rest left at their defaults: such a tenant is for reading those fields, never saving."""
        ...

    def last_tick(self) -> datetime | None:
        """The latest daily-planning tick whose fan-out got under way (``record_tick``); None: none yet."""
        ...

    def record_tick(self, tick: datetime) -> None:
        """Remember ``tick`` as fanned out, unless a later tick is remembered already (never back)."""
        ...

    def ask_recipient(
        self, recipient: str, day: str, tenant_id: str, limit: int, expires_at: datetime
    ) -> bool:
        """Count ``tenant_id`` among the workspaces that asked ``recipient`` (an address's hash) to
        confirm it on ``day``: True if it is one of them already or there was room for it (at most
        ``limit`` workspaces); False otherwise, changing nothing. The count expires at ``expires_at``."""
        ...

    def note_run_row(self, tenant_id: str, page_id: str, run_id: str) -> None:
        """Remember page ``page_id`` (plain: no hyphens, lowercase) as run ``run_id``'s row in the
        Runs database (``tenants/{t}/row_pages/{page}``); writing it again changes nothing."""
        ...

    def is_run_row(self, tenant_id: str, page_id: str) -> bool:
        """Whether ``page_id`` (plain) was noted as a Runs row: one document read."""
        ...

    def run_of_row(self, tenant_id: str, page_id: str) -> str | None:
        """The run whose row the agent noted ``page_id`` (plain) to be; None: not a row it wrote."""
        ...

    def claim_day_plan(self, tenant_id: str, day: str, now: datetime, until: datetime) -> Kept:
        """Take the writing of ``tenant_id``'s plan of ``day`` (YYYYMMDD) until ``until`` and return
        what is kept of it. TransientError while another holds it (a task delivered twice at once)."""
        ...

    def kept_day_plan(self, tenant_id: str, day: str) -> Kept | None:
        """What is kept of the plan of ``day``; None: none was written (or it expired)."""
        ...

    def keep_day_plan(self, tenant_id: str, day: str, kept: Kept, expires_at: datetime) -> None:
        """Store ``kept`` for ``day`` and end the claim; it expires at ``expires_at``."""
        ...


class OAuthStateStore(Protocol):
    """``oauth_states/{key}``: the connect states used so far, each kept until it has expired (TTL on
    ``expires_at``). Its signature shows a state genuine and unexpired; this makes it single-use."""

    def use(self, key: str, expires_at: datetime) -> bool:
        """Record the state used (an exclusive create): True for exactly one caller, ever."""
        ...


class InviteStore(Protocol):
    """``invites/{sha256(code)}``: the operator's invite codes, each with the uses it has left (the
    code itself is never stored: :mod:`shared.workspace.domain.connecting.signup`)."""

    def create(self, key: str, uses: int, now: datetime) -> None:
        """A new invite admitting ``uses`` connections."""
        ...

    def uses_left(self, key: str) -> int | None:
        """The uses the invite has left; None when there is no such invite."""
        ...

    def use(self, key: str) -> bool:
        """Take one use, atomically: True for at most ``uses`` callers ever, False once none is left
        (or there is no such invite)."""
        ...

    def give_back(self, key: str) -> None:
        """Return a use taken by a connect that then stored nothing."""
        ...


class WebhookEventLedger(Protocol):
    """``tenants/{t}/events/{event_id}``: de-duplication of webhook events and of API requests that
    carry a ``request_id`` (expire by TTL)."""

    def record(self, tenant_id: str, event_id: str, seen: EventSeen) -> EventRecord:
        """Create the record, keeping ``seen.task`` (the task this delivery would make); if it exists
        already, report when it was first seen, with what type and task, and whether it is marked
        ``enqueued``. One create, and a read only for a repeat."""
        ...

    def mark_enqueued(self, tenant_id: str, event_id: str) -> None:
        """Mark the record: the event's task exists or was taken by plan, so a repeat of the event
        enqueues nothing. One update; a record that is gone (expired) is left gone."""
        ...

    def skip(self, tenant_id: str, edit: SkippedEdit) -> None:
        """Keep ``edit`` in its slot, ``tenants/{t}/skipped_edits/{slot}``, replacing what was there."""
        ...

    def skipped(self, tenant_id: str, since: datetime, limit: int = 50) -> list[SkippedEdit]:
        """The tenant's skipped edits made at or after ``since``, newest first."""
        ...


class ErasureStore(Protocol):
    """A workspace's documents erased (every collection, at any depth), and ``erasures/{t}``: the one
    record that it was, without content (shared/workspace/adapters/firestore_erasure.py)."""

    def begin(self, tenant_id: str, by: str, now: datetime) -> None:
        """Record the ask (state ``erasing``); a repeat keeps the first ask's time and asker."""
        ...

    def erase_documents(self, tenant_id: str) -> int:
        """Delete every document of the tenant; how many. Repeatable: a second call finds none."""
        ...

    def finish(self, tenant_id: str, now: datetime) -> None:
        """Record the end (state ``erased``)."""
        ...

    def record(self, tenant_id: str) -> dict[str, Any] | None:
        """The record of the tenant's erasure; None when none was asked."""
        ...
