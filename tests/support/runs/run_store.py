"""The run store faked for unit tests (the ``RunStore`` Protocol, in memory): runs, their events, leases,
page claims and the Runs rows' index."""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.platform.domain.model_calls import ModelUsage
from shared.platform.errors import NotFound, TransientError
from shared.runs.domain.children.fanout import ended_marker
from shared.runs.domain.events import ModelUsed
from shared.runs.domain.plan_task import PlanTask, next_start
from shared.runs.domain.run_limits import Hold, Refused
from shared.runs.domain.run_rows import KeptRow
from shared.runs.domain.run_search import RunFilter
from shared.runs.domain.state import Run, RunEvent, RunState, RunStatus, fold
from shared.runs.ports import RunStore


def _take(
    leases: dict[tuple[str, str], datetime], key: tuple[str, str], now: datetime, until: datetime, busy: str
) -> None:
    """Hold ``leases[key]`` until ``until``, as a Firestore lease: TransientError(``busy``) while held."""
    held = leases.get(key)
    if held is not None and held > now:
        raise TransientError(busy)
    leases[key] = until


class FakeRunStore(RunStore):
    """In memory, with the same rule as Firestore: an event's seq can be created once."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], Run] = {}
        self.events: dict[tuple[str, str], dict[int, RunEvent]] = {}
        self.row_pages: dict[tuple[str, str], KeptRow] = {}
        self.row_claims: dict[tuple[str, str], datetime] = {}
        self.row_changes: dict[tuple[str, str], datetime] = {}
        self.page_runs: dict[tuple[str, str], PageClaim] = {}  # (tenant, page) → its claim
        self.starts_due: dict[str, datetime] = {}  # tenant → its webhook runs' next due start
        self.run_starts: dict[tuple[str, str], datetime] = {}  # (tenant, run) → its reserved start
        self.spend_by_day: dict[str, float] = {}  # the deployment's model spend by day (all tenants)
        self.counters: dict[tuple[str, str], float] = {}  # (tenant, run-/day-/month-…) → spent + held
        self.counters_lock = threading.Lock()
        self.holds: dict[tuple[str, str], Hold] = {}  # (tenant, hold id) → a reservation not yet settled
        self.usage: dict[tuple[str, str], ModelUsed] = {}  # calls outside runs (embeddings), by id
        self.ended: dict[tuple[str, str, str], dict[str, Any]] = {}  # (tenant, parent, child) → marker

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        key = (tenant_id, run_id)
        if key in self.runs:
            return False
        now = datetime.now(UTC)
        self.runs[key] = Run(
            tenant_id=tenant_id, run_id=run_id, state=fold(events), created_at=now, updated_at=now
        )
        self.events[key] = {e.seq: e for e in events}
        self._mark_ended(tenant_id, run_id, None, self.runs[key].state)
        return True

    def _mark_ended(self, tenant_id: str, run_id: str, before: RunState | None, after: RunState) -> None:
        marker = ended_marker(run_id, before, after)
        if marker is not None:
            self.ended[(tenant_id, after.parent_run_id, run_id)] = marker

    def count_ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> int:
        return len(self._ended(tenant_id, parent_run_id, map_step))

    def ended_children(self, tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        return self._ended(tenant_id, parent_run_id, map_step)

    def _ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        return [
            m
            for (t, p, _), m in self.ended.items()
            if (t, p) == (tenant_id, parent_run_id) and m["map_step"] == map_step
        ]

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        return self.runs.get((tenant_id, run_id))

    def list_events(self, tenant_id: str, run_id: str, after: int = 0) -> list[RunEvent]:
        log = self.events.get((tenant_id, run_id), {})
        return [log[s] for s in sorted(log) if s > after]

    def get_event(self, tenant_id: str, run_id: str, seq: int) -> RunEvent | None:
        return self.events.get((tenant_id, run_id), {}).get(seq)

    def append(self, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        key = (tenant_id, run_id)
        run = self.runs.get(key)
        if run is None:
            raise NotFound(f"run {run_id} does not exist")
        if any(e.seq in self.events[key] for e in events):
            return None
        new = fold(events, state)
        self.events[key].update({e.seq: e for e in events})
        self.runs[key] = run.model_copy(update={"state": new, "updated_at": datetime.now(UTC)})
        self._mark_ended(tenant_id, run_id, state, new)
        return new

    def add_event(self, tenant_id: str, run_id: str, event: RunEvent) -> bool:
        log = self.events[(tenant_id, run_id)]
        if event.seq in log:
            return False
        log[event.seq] = event
        return True

    def list_runs(self, tenant_id: str, limit: int = 50, where: RunFilter | None = None) -> list[Run]:
        w = where or RunFilter()
        mine = [r for (t, _), r in self.runs.items() if t == tenant_id and w.matches(r)]
        return sorted(mine, key=lambda r: (r.created_at, r.run_id), reverse=True)[:limit]

    def children(self, tenant_id: str, run_id: str, limit: int = 50) -> tuple[list[Run], int]:
        mine = [r for (t, _), r in self.runs.items() if t == tenant_id and r.state.parent_run_id == run_id]
        ordered = sorted(mine, key=lambda r: (r.created_at, r.run_id))
        return ordered[:limit], len(ordered)

    def held(self, tenant_id: str, limit: int = 100) -> list[str]:
        return [r for (t, r), run in self.runs.items() if t == tenant_id and run.state.status.held][:limit]

    def count_running(self, tenant_id: str, cap: int = 1000) -> int:
        running = [
            r for (t, _), r in self.runs.items() if t == tenant_id and r.state.status == RunStatus.RUNNING
        ]
        return min(cap, len(running))

    def row_page(self, tenant_id: str, run_id: str) -> KeptRow | None:
        return self.row_pages.get((tenant_id, run_id))

    def keep_row_page(
        self, tenant_id: str, run_id: str, page_id: str, written: dict[str, str] | None = None
    ) -> None:
        kept = self.row_pages.get((tenant_id, run_id))
        self.row_pages[(tenant_id, run_id)] = KeptRow(
            page_id, {**(kept.written if kept else {}), **(written or {})}
        )
        self.row_claims.pop((tenant_id, run_id), None)

    def claim_row(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        _take(
            self.row_claims, (tenant_id, run_id), now, until, "this run's row is being made by another task"
        )

    def release_row(self, tenant_id: str, run_id: str) -> None:
        self.row_claims.pop((tenant_id, run_id), None)

    def claim_row_changes(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        _take(
            self.row_changes, (tenant_id, run_id), now, until, "a change of this run's row is being written"
        )

    def release_row_changes(self, tenant_id: str, run_id: str) -> None:
        self.row_changes.pop((tenant_id, run_id), None)

    def stalled(self, status: RunStatus, before: datetime, limit: int = 200) -> list[tuple[str, str]]:
        found = [k for k, r in self.runs.items() if r.state.status == status and r.idle_since < before]
        return sorted(found, key=lambda k: self.runs[k].updated_at)[:limit]  # oldest first, as Firestore

    def spend(self, tenant_id: str, day: str, month: str) -> tuple[float, float]:
        used = [
            e
            for (t, _), log in self.events.items()
            if t == tenant_id
            for e in log.values()
            if isinstance(e, ModelUsed)
        ] + [e for (t, _), e in self.usage.items() if t == tenant_id]
        # Each entry's date written once (``strftime("%Y-%m-%d")``, its month the first 7 characters):
        # the red team's engine asks this at every model call, a tenth of its CPU when written twice.
        stamps = [(e.at.date().isoformat(), e.cost_usd) for e in used]
        day_usd = sum(cost for stamp, cost in stamps if stamp == day)
        return day_usd, sum(cost for stamp, cost in stamps if stamp[:7] == month)

    def spend_days(self, tenant_id: str, days: list[str]) -> list[float]:
        return [self.spend(tenant_id, day, day[:7])[0] for day in days]

    def record_usage(
        self, tenant_id: str, usage_id: str, at: datetime, purpose: str, usage: ModelUsage
    ) -> None:
        used = ModelUsed(seq=1, at=at, purpose=purpose, **usage._asdict())  # a ledger entry as an event
        self.usage.setdefault((tenant_id, usage_id), used)

    def reserve_spend(self, day: str, usd: float, cap_usd: float) -> bool:
        if self.spend_by_day.get(day, 0.0) + usd > cap_usd + 1e-9:
            return False
        self.settle_spend(day, usd)
        return True

    def _counter_keys(self, tenant_id: str, hold: Hold) -> list[tuple[str, tuple[str, str], float]]:
        named = [("run", f"run-{hold.run_id}"), ("day", f"day-{hold.day}"), ("month", f"month-{hold.month}")]
        return [
            (budget, (tenant_id, name), cap)
            for (budget, name), cap in zip(named, hold.caps, strict=True)
            if budget != "run" or hold.run_id
        ]

    def hold_budgets(self, tenant_id: str, hold: Hold) -> Refused | None:
        keys = self._counter_keys(tenant_id, hold)
        if hold.hold_id:
            self.holds[(tenant_id, hold.hold_id)] = hold
        day_usd, month_usd = self.spend(tenant_id, hold.day, hold.month)
        start = {"run": hold.run_seed, "day": day_usd, "month": month_usd}
        with self.counters_lock:
            for budget, key, cap in keys:
                counted = self.counters.setdefault(key, start[budget])
                if counted + hold.usd > cap + 1e-9:
                    self.holds.pop((tenant_id, hold.hold_id), None)
                    return Refused(budget, counted, cap, hold.usd)  # type: ignore[arg-type]  # budget: one of Hold.caps' names
            for _, key, _ in keys:
                self.counters[key] += hold.usd
        return None

    def settle_hold(self, tenant_id: str, hold: Hold, cost_usd: float) -> None:
        released = not hold.hold_id or self.holds.pop((tenant_id, hold.hold_id), None) is not None
        with self.counters_lock:
            for _, key, _ in self._counter_keys(tenant_id, hold):
                self.counters[key] += cost_usd - (hold.usd if released else 0.0)

    def stale_holds(self, before: datetime, limit: int = 200) -> list[tuple[str, Hold]]:
        found = [(t, h) for (t, _), h in self.holds.items() if h.release_after and h.release_after < before]
        return sorted(found, key=lambda th: th[1].release_after or before)[:limit]

    def release_hold(self, tenant_id: str, hold: Hold) -> bool:
        if self.holds.pop((tenant_id, hold.hold_id), None) is None:
            return False
        with self.counters_lock:
            for _, key, _ in self._counter_keys(tenant_id, hold):
                self.counters[key] -= hold.usd
        return True

    def settle_spend(self, day: str, usd: float) -> None:
        self.spend_by_day[day] = self.spend_by_day.get(day, 0.0) + usd

    def day_spend(self, day: str) -> float:
        return self.spend_by_day.get(day, 0.0)

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
        held = self.page_runs.get((tenant_id, page_key))
        if held is not None and held.run_id == run_id:
            return None
        if (
            held is not None
            and held.released
            and change is not None
            and change.trigger.seen_by(held.claimed_at)
        ):
            return held.run_id
        if held is not None and not held.released:
            run = self.runs.get((tenant_id, held.run_id))
            if (run is not None and not run.state.status.terminal) or (run is None and held.hold_until > now):
                if change is not None and not change.trigger.seen_by(held.claimed_at):
                    held.change = change
                return held.run_id
        kept = held.change if held is not None and not held.released else None
        unseen = kept if kept is not None and not kept.trigger.seen_by(now) else None
        self.page_runs[(tenant_id, page_key)] = PageClaim(run_id, now, now + hold, change=unseen)
        return None

    def release_page(self, tenant_id: str, page_key: str, run_id: str) -> PlanTask | None:
        held = self.page_runs.get((tenant_id, page_key))
        if held is None or held.run_id != run_id:
            return None
        held.released = True
        return held.change

    def reserve_start(
        self, tenant_id: str, run_id: str, now: datetime, interval: timedelta, burst: int
    ) -> datetime:
        held = self.run_starts.get((tenant_id, run_id))
        if held is not None:
            return held
        start, self.starts_due[tenant_id] = next_start(self.starts_due.get(tenant_id), now, interval, burst)
        self.run_starts[(tenant_id, run_id)] = start
        return start


@dataclass
class PageClaim:
    run_id: str
    claimed_at: datetime
    hold_until: datetime
    released: bool = False
    change: PlanTask | None = None
