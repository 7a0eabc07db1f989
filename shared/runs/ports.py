"""The run store's port: runs and their event logs, scoped to one tenant.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from shared.platform.domain.model_calls import ModelUsage
    from shared.runs.domain.plan_task import PlanTask
    from shared.runs.domain.run_limits import Hold, Refused
    from shared.runs.domain.run_rows import KeptRow
    from shared.runs.domain.run_search import RunFilter
    from shared.runs.domain.state import Run, RunEvent, RunState, RunStatus


class RunStore(Protocol):
    """Runs and their event logs, always scoped to one tenant.

    Event documents are created by their dense ``seq``, never overwritten: two writers extending a log
    from the same point collide and exactly one wins (the engine's concurrency control)."""

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        """Create the run with its first events; False if it already exists (nothing written)."""
        ...

    def get_run(self, tenant_id: str, run_id: str) -> Run | None: ...

    def list_events(self, tenant_id: str, run_id: str, after: int = 0) -> list[RunEvent]:
        """Events with ``seq > after``, in order."""
        ...

    def get_event(self, tenant_id: str, run_id: str, seq: int) -> RunEvent | None: ...

    def append(self, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        """Append ``events`` after ``state`` (the log must end at ``state.last_seq``) and cache the new
        state, in one write. Returns the new state, or None when another writer got there first."""
        ...

    def add_event(self, tenant_id: str, run_id: str, event: RunEvent) -> bool:
        """Create one event without updating the cached state (an intent); False if its seq is taken."""
        ...

    def count_ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> int:
        """How many children of the map at ``map_step`` have ended: their markers, which
        :meth:`create_run` and :meth:`append` write with a child's end (``domain.fanout``)."""
        ...

    def ended_children(self, tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        """The ended children's markers (run_id, index, status, summary), in no particular order."""
        ...

    def list_runs(self, tenant_id: str, limit: int = 50, where: RunFilter | None = None) -> list[Run]:
        """The tenant's runs that pass ``where`` (all of them without it), newest first (created_at,
        then run_id, descending: a total order, so a page after ``where.after`` starts exactly there)."""
        ...

    def children(self, tenant_id: str, run_id: str, limit: int = 50) -> tuple[list[Run], int]:
        """The runs ``run_id`` started (its map's children, its hand-offs), oldest first, at most
        ``limit``, and how many there are (counted up to 1,000)."""
        ...

    def held(self, tenant_id: str, limit: int = 100) -> list[str]:
        """Ids of the tenant's runs that wait for a person or are paused: no step moves them by itself."""
        ...

    def count_running(self, tenant_id: str, cap: int = 1000) -> int:
        """How many of the tenant's runs are ``running`` (counted up to ``cap``)."""
        ...

    def row_page(self, tenant_id: str, run_id: str) -> KeptRow | None:
        """The run's row in the Runs database, once :meth:`keep_row_page` kept it."""
        ...

    def keep_row_page(
        self, tenant_id: str, run_id: str, page_id: str, written: dict[str, str] | None = None
    ) -> None:
        """Keep the id of the run's row (``tenants/{t}/run_rows/{r}``), so later writes need no query,
        with the digests of what binds a decision as the agent wrote it (``KeptRow.written``).
        ``written`` is merged over the digests kept, each property's own: two writes at once keep
        both (a new row's writer gives every one). This ends a claim (:meth:`claim_row`)."""
        ...

    def claim_row(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        """Take the making of the run's row until ``until`` (no row kept, or only a gone one): of two
        tasks at once, one makes it. TransientError while another task holds it."""
        ...

    def release_row(self, tenant_id: str, run_id: str) -> None:
        """Let go of the making of the run's row (:meth:`claim_row`): the making failed."""
        ...

    def claim_row_changes(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        """Take the acting on people's changes of the run's row until ``until``: of two tasks at
        once, one reads and answers the row. TransientError while another task holds it."""
        ...

    def release_row_changes(self, tenant_id: str, run_id: str) -> None:
        """Let go of the acting on the row's changes (:meth:`claim_row_changes`)."""
        ...

    def stalled(self, status: RunStatus, before: datetime, limit: int = 200) -> list[tuple[str, str]]:
        """(tenant, run) of runs in ``status`` idle since ``before``: not updated since, and with no
        ``retry_at`` (a step waiting out a Retry-After) at or after it; oldest first."""
        ...

    def spend(self, tenant_id: str, day: str, month: str) -> tuple[float, float]:
        """The tenant's recorded model spend on ``day`` (YYYY-MM-DD) and in ``month`` (YYYY-MM)."""
        ...

    def spend_days(self, tenant_id: str, days: list[str]) -> list[float]:
        """The tenant's model spend on each of ``days`` (YYYY-MM-DD), in that order."""
        ...

    def record_usage(
        self, tenant_id: str, usage_id: str, at: datetime, purpose: str, usage: ModelUsage
    ) -> None:
        """Add a call made outside any run (an embedding call, an Ask) to the tenant's spend ledger, once
        per ``usage_id``: the budgets' sums count it as a run's ``model_used`` events."""
        ...

    def reserve_spend(self, day: str, usd: float, cap_usd: float) -> bool:
        """Add ``usd`` to the deployment's model spend of ``day`` (all tenants: ``spend_days/{day}``,
        the one document not scoped to a tenant) unless that would take it past ``cap_usd``: True
        when added. Atomic: of concurrent callers at the cap, only those that fit are added."""
        ...

    def hold_budgets(self, tenant_id: str, hold: Hold) -> Refused | None:
        """Reserve ``hold.usd`` on each of the tenant's spend counters the call counts against (its
        run's, the day's, the month's) unless one would pass its cap. Returns None when reserved,
        else a budget it did not fit, the one with the least room when several (nothing then stays
        reserved).
        Atomic over the counters: of concurrent callers, only those that fit every budget reserve.
        A counter that does not exist yet starts at what was recorded (``spend``; ``hold.run_seed``)."""
        ...

    def settle_hold(self, tenant_id: str, hold: Hold, cost_usd: float) -> None:
        """Replace the reservation ``hold`` on the tenant's counters with the call's measured cost
        (0: a call that failed unpaid gives it all back), on every counter at once. The
        reservation is given back once only: not again if the sweeper released it
        (:meth:`release_hold`), in which case the counters take the cost alone."""
        ...

    def stale_holds(self, before: datetime, limit: int = 200) -> list[tuple[str, Hold]]:
        """(tenant id, hold) of reservations still recorded whose ``release_after`` is before
        ``before``, oldest first, at most ``limit``: calls that never settled."""
        ...

    def release_hold(self, tenant_id: str, hold: Hold) -> bool:
        """Give a reservation that was never settled back to its counters, once: True when this
        call released it, False when it had been settled or released already."""
        ...

    def settle_spend(self, day: str, usd: float) -> None:
        """Add ``usd`` (negative: give back) to the deployment's spend of ``day``, without a cap."""
        ...

    def day_spend(self, day: str) -> float:
        """The deployment's spend of ``day`` as counted (reservations included), all tenants."""
        ...

    def claim_page(
        self,
        tenant_id: str,
        page_key: str,
        run_id: str,
        now: datetime,
        hold: timedelta,
        *,
        change: PlanTask | None = None,
    ) -> str | None:
        """Make ``run_id`` the one active run of the page (``shared.runs.domain.plan_task.page_key``).
        None when it is now (or already was). Otherwise the id of the holder: a run that exists and is
        neither finished nor released, or a run not yet written that claimed the page less than ``hold``
        before ``now``. For a ``change``, also a released holder that claimed the page after it.
        Any other holder is replaced. While the page is held, ``change`` is remembered on the claim in
        place of the earlier one, unless the holder claimed after it (``change.trigger.seen_by``).
        :meth:`release_page` hands it over; replacing an unreleased holder keeps its unseen change.
        """
        ...

    def release_page(self, tenant_id: str, page_key: str, run_id: str) -> PlanTask | None:
        """Once ``run_id`` has ended: if it holds the page, release it (the next change takes it over
        at once) and return the change remembered while it held the page, if any. The same answer
        on every later call, until another run claims the page; None if ``run_id`` does not hold it."""
        ...

    def reserve_start(
        self, tenant_id: str, run_id: str, now: datetime, interval: timedelta, burst: int
    ) -> datetime:
        """Reserve the tenant's next start of a run from a Notion event under one start per
        ``interval`` (``burst`` at once; ``shared.runs.domain.plan_task.next_start``) for ``run_id`` and
        return its time: ``now`` or later. Of different runs reserving at once each gets its own
        start; a run reserving again (its plan task delivered twice) gets the start it has and
        reserves nothing more, for at least a day."""
        ...
