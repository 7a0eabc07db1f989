"""Small hand-written fakes of the ports, for unit tests of our own logic (same Protocols as adapters)."""

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.domain.agents import Agent
from shared.agents.ports import AgentStore
from shared.code.domain.code import (
    ChangedFile,
    CheckResult,
    CodeChange,
    Comment,
    Deployment,
    DeployRequest,
    PullRequest,
)
from shared.code.ports import CodeHost, Deployer
from shared.notify.domain.notifications import (
    Claimed,
    DeliveryClaim,
    Mail,
    Move,
    NotificationRecord,
    NotificationStatus,
    Outcome,
)
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.ports import Chat, ChatWebhooks, Mailer, NotificationLog, Notifier, SlackMarkers
from shared.notion.ports import NotionOAuth
from shared.platform.domain.dead_letters import DeadLetter
from shared.platform.domain.model_calls import ModelUsage
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import NotFound, PermanentError, TransientError, Unauthenticated
from shared.platform.ports import DeadLetterStore, PaceCounters, SecretStore, TaskQueue
from shared.platform.topology import Queue
from shared.runs.domain.children.fanout import ended_marker
from shared.runs.domain.events import ModelUsed
from shared.runs.domain.plan_task import PlanTask, next_start
from shared.runs.domain.run_limits import Hold, Refused
from shared.runs.domain.run_rows import KeptRow
from shared.runs.domain.run_search import RunFilter
from shared.runs.domain.state import Run, RunEvent, RunState, RunStatus, fold
from shared.runs.ports import RunStore
from shared.team.domain.api_keys import ApiKey
from shared.team.domain.audit import AuditEntry
from shared.team.ports import ApiKeyStore, AuditLog
from shared.workspace.domain.connecting.notion_grant import NotionGrant
from shared.workspace.domain.day_plans import Kept
from shared.workspace.domain.skipped_edits import SkippedEdit
from shared.workspace.domain.tenants import EventRecord, EventSeen, Tenant, TenantStatus
from shared.workspace.ports import InviteStore, OAuthStateStore, TenantStore, WebhookEventLedger


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
        day_usd = sum(e.cost_usd for e in used if e.at.strftime("%Y-%m-%d") == day)
        return day_usd, sum(e.cost_usd for e in used if e.at.strftime("%Y-%m") == month)

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


@dataclass
class FakeQueue(TaskQueue):
    tasks: list[tuple[Queue, TaskBody, str, float]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        if task_id in self.names:
            return False
        self.names.add(task_id)
        self.tasks.append((queue, body, task_id, delay_s))
        return True

    def take(self) -> tuple[Queue, TaskBody, str, float]:
        return self.tasks.pop(0)


@dataclass
class FakeSecrets(SecretStore):
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, fresh: bool = False) -> str:
        if name not in self.values:
            raise NotFound(f"secret {name} does not exist")
        return self.values[name]

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        if not create and name not in self.values:
            raise NotFound(f"secret {name} does not exist")
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@dataclass
class FakeNotifier(Notifier):
    delivered: dict[str, NotifyTask] = field(default_factory=dict)

    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        if task.notification_id in self.delivered:
            return False
        self.delivered[task.notification_id] = task
        return True


class FakeNotificationLog(NotificationLog):
    """Notification records with Firestore's rules: created once; a stale ``sending`` is taken once."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], NotificationRecord] = {}

    def claim(self, tenant_id: str, record: NotificationRecord, now: datetime) -> Claimed:
        key = (tenant_id, record.notification_id)
        current = self.records.get(key)
        if current is None:
            self.records[key] = record
            return Claimed(DeliveryClaim.NEW)
        if current.status != NotificationStatus.SENDING:
            return Claimed(DeliveryClaim.DONE)
        if current.lease_until > now:
            return Claimed(DeliveryClaim.BUSY)
        update = {"lease_until": record.lease_until, "attempts": current.attempts + 1, "updated_at": now}
        self.records[key] = current.model_copy(update=update)
        return Claimed(
            DeliveryClaim.RETAKEN, current.channel, current.created_at, current.lease_until, current.where
        )

    def finish(self, tenant_id: str, notification_id: str, outcome: Outcome, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update=outcome.changes(now))

    def release(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update={"lease_until": now})

    def move(self, tenant_id: str, notification_id: str, move: Move, now: datetime) -> None:
        key = (tenant_id, notification_id)
        self.records[key] = self.records[key].model_copy(update=move.changes(now))

    def recent(self, tenant_id: str, limit: int, since: datetime | None = None) -> list[NotificationRecord]:
        mine = [
            r for (t, _), r in self.records.items() if t == tenant_id and (not since or r.created_at >= since)
        ]
        return sorted(mine, key=lambda r: r.created_at, reverse=True)[:limit]


class FakeTenantStore(TenantStore):
    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.routes: dict[str, str] = {}
        self.tick: datetime | None = None
        self.recipients: dict[str, list[str]] = {}  # ask_recipient: address hash and day → workspaces
        self.run_rows: dict[tuple[str, str], str] = {}  # (tenant, row page) → run
        self.row_reads = 0  # is_run_row calls: what the webhook pays per comment
        self.day_plans: dict[tuple[str, str], tuple[Kept, datetime | None]] = {}  # kept, claimed until

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        return self.tenants.get(tenant_id)

    def by_workspace(self, workspace_id: str) -> Tenant | None:
        tenant_id = self.routes.get(workspace_id)
        return self.tenants.get(tenant_id) if tenant_id else None

    def save(self, tenant: Tenant) -> None:
        self.tenants[tenant.tenant_id] = tenant
        self.routes[tenant.workspace_id] = tenant.tenant_id

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        tenant = change(self.tenants.get(tenant_id))
        self.save(tenant)
        return tenant

    def active_page(self, after: str | None, limit: int) -> list[Tenant]:
        active = sorted(t for t, v in self.tenants.items() if v.status == TenantStatus.ACTIVE)
        return [self.tenants[t] for t in active if after is None or t > after][:limit]

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        """As Firestore's ``select``: only ``fields`` (dotted paths) of each stored tenant."""
        for found in self.active_page(after, limit):
            if not fields:
                yield found
                continue
            stored, kept = found.model_dump(mode="json"), dict[str, Any]()
            for path in fields:
                *parents, name = path.split(".")
                source: Any = stored
                for part in parents:
                    source = source.get(part) if isinstance(source, dict) else None
                if isinstance(source, dict) and name in source:
                    target = kept
                    for part in parents:
                        target = target.setdefault(part, {})
                    target[name] = source[name]
            yield Tenant.model_validate(kept)

    def last_tick(self) -> datetime | None:
        return self.tick

    def ask_recipient(
        self, recipient: str, day: str, tenant_id: str, limit: int, expires_at: datetime
    ) -> bool:
        asked = self.recipients.setdefault(f"{recipient}-{day}", [])
        if tenant_id in asked:
            return True
        if len(asked) >= limit:
            return False
        asked.append(tenant_id)
        return True

    def record_tick(self, tick: datetime) -> None:
        if self.tick is None or tick > self.tick:
            self.tick = tick

    def note_run_row(self, tenant_id: str, page_id: str, run_id: str) -> None:
        self.run_rows[(tenant_id, page_id)] = run_id

    def is_run_row(self, tenant_id: str, page_id: str) -> bool:
        self.row_reads += 1
        return (tenant_id, page_id) in self.run_rows

    def run_of_row(self, tenant_id: str, page_id: str) -> str | None:
        return self.run_rows.get((tenant_id, page_id))

    def claim_day_plan(self, tenant_id: str, day: str, now: datetime, until: datetime) -> Kept:
        kept, held = self.day_plans.get((tenant_id, day), (Kept(), None))
        if held is not None and held > now:
            raise TransientError(
                "this day's plan is being written", retry_after_s=(held - now).total_seconds()
            )
        self.day_plans[(tenant_id, day)] = (kept, until)
        return kept

    def kept_day_plan(self, tenant_id: str, day: str) -> Kept | None:
        found = self.day_plans.get((tenant_id, day))
        return found[0] if found else None

    def keep_day_plan(self, tenant_id: str, day: str, kept: Kept, expires_at: datetime) -> None:
        self.day_plans[(tenant_id, day)] = (kept, None)


@dataclass
class FakeOAuthStates(OAuthStateStore):
    used: dict[str, datetime] = field(default_factory=dict)  # key → until when it is kept

    def use(self, key: str, expires_at: datetime) -> bool:
        if key in self.used:
            return False
        self.used[key] = expires_at
        return True


@dataclass
class FakeInvites(InviteStore):
    """``invites/{key}`` in memory: the uses each invite has left."""

    left: dict[str, int] = field(default_factory=dict)

    def create(self, key: str, uses: int, now: datetime) -> None:
        self.left[key] = uses

    def uses_left(self, key: str) -> int | None:
        return self.left.get(key)

    def use(self, key: str) -> bool:
        if self.left.get(key, 0) <= 0:
            return False
        self.left[key] -= 1
        return True

    def give_back(self, key: str) -> None:
        if key in self.left:
            self.left[key] += 1


@dataclass
class FakePaces(PaceCounters):
    """``api_paces/{counter}`` in memory: each counter's count and when it expires."""

    counts: dict[str, int] = field(default_factory=dict)
    expires: dict[str, datetime] = field(default_factory=dict)

    def add(self, counters: Sequence[str], expires_at: datetime) -> list[int]:
        for counter in counters:
            self.counts[counter] = self.counts.get(counter, 0) + 1
            self.expires[counter] = expires_at
        return [self.counts[c] for c in counters]


@dataclass
class FakeApiKeys(ApiKeyStore):
    """``api_keys/{key_id}`` in memory; ``reads`` counts ``get`` (one Firestore read each)."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    reads: int = 0

    def create(self, key: ApiKey) -> None:
        assert key.key_id not in self.keys
        self.keys[key.key_id] = key

    def replace(self, previous: ApiKey, key: ApiKey) -> bool:
        assert (key.key_id, key.tenant_id) == (previous.key_id, previous.tenant_id)
        if self.keys.get(key.key_id) != previous:
            return False
        self.keys[key.key_id] = key
        return True

    def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def list_for(self, tenant_id: str) -> list[ApiKey]:
        mine = [k for k in self.keys.values() if k.tenant_id == tenant_id]
        return sorted(mine, key=lambda k: (k.created_at, k.key_id), reverse=True)

    def delete(self, tenant_id: str, key_id: str) -> bool:
        key = self.keys.get(key_id)
        if key is None or key.tenant_id != tenant_id:
            return False
        del self.keys[key_id]
        return True


@dataclass
class FakeAgents(AgentStore):
    """``tenants/{t}/agents/{agent_id}`` in memory."""

    agents: dict[tuple[str, str], Agent] = field(default_factory=dict)

    def list_for(self, tenant_id: str) -> list[Agent]:
        mine = [a for (t, _), a in self.agents.items() if t == tenant_id]
        return sorted(mine, key=lambda a: (not a.is_default, a.name.lower(), a.agent_id))

    def get(self, tenant_id: str, agent_id: str) -> Agent | None:
        return self.agents.get((tenant_id, agent_id))

    def create(self, tenant_id: str, agent: Agent) -> bool:
        if (tenant_id, agent.agent_id) in self.agents:
            return False
        self.agents[(tenant_id, agent.agent_id)] = agent
        return True

    def update(self, tenant_id: str, agent_id: str, change: Callable[[Agent], Agent]) -> Agent | None:
        stored = self.agents.get((tenant_id, agent_id))
        if stored is None:
            return None
        self.agents[(tenant_id, agent_id)] = changed = change(stored)
        return changed

    def delete(self, tenant_id: str, agent_id: str) -> bool:
        return self.agents.pop((tenant_id, agent_id), None) is not None


@dataclass
class FakeAudit(AuditLog):
    """``tenants/{t}/audit`` in memory, by tenant."""

    entries: dict[str, list[AuditEntry]] = field(default_factory=dict)

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        self.entries.setdefault(tenant_id, []).append(entry)

    def newest(
        self, tenant_id: str, *, before: datetime | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        mine = sorted(self.entries.get(tenant_id, []), key=lambda e: e.at, reverse=True)
        kept = [e for e in mine if (before is None or e.at < before) and (since is None or e.at >= since)]
        return kept[:limit]


@dataclass
class FakeDeadLetters(DeadLetterStore):
    letters: dict[str, DeadLetter] = field(default_factory=dict)

    def keep(self, letter: DeadLetter) -> bool:
        if letter.letter_id in self.letters:
            return False
        self.letters[letter.letter_id] = letter
        return True

    def recent(self, limit: int = 50) -> list[DeadLetter]:
        return sorted(self.letters.values(), key=lambda letter: letter.received_at, reverse=True)[:limit]


@dataclass
class FakeWebhookEvents(WebhookEventLedger):
    records: dict[tuple[str, str], tuple[datetime, str]] = field(default_factory=dict)
    expiry: dict[tuple[str, str], datetime] = field(default_factory=dict)
    enqueued: set[tuple[str, str]] = field(default_factory=set)  # records marked: their task exists
    marks: int = 0  # mark_enqueued calls (each one Firestore update)
    tasks: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)  # kept per record
    skips: dict[tuple[str, str], SkippedEdit] = field(default_factory=dict)  # (tenant, slot) -> edit

    def record(self, tenant_id: str, event_id: str, seen: EventSeen) -> EventRecord:
        event_type, now, expires_at, task = seen
        key = (tenant_id, event_id)
        expires = self.expiry.get(key)
        if expires is not None and expires <= now:  # past its expires_at: gone, swept or not
            self.records.pop(key, None)
        created = key not in self.records
        first_seen, stored = self.records.setdefault(key, (now, event_type))
        if created:
            self.expiry[key] = expires_at
            self.enqueued.discard(key)  # a replaced record starts unmarked
            self.tasks[key] = task
        return EventRecord(
            created, first_seen, stored, enqueued=key in self.enqueued, task=self.tasks.get(key)
        )

    def mark_enqueued(self, tenant_id: str, event_id: str) -> None:
        self.marks += 1
        if (tenant_id, event_id) in self.records:
            self.enqueued.add((tenant_id, event_id))

    def skip(self, tenant_id: str, edit: SkippedEdit) -> None:
        self.skips[(tenant_id, edit.slot)] = edit

    def skipped(self, tenant_id: str, since: datetime, limit: int = 50) -> list[SkippedEdit]:
        mine = [e for (t, _), e in self.skips.items() if t == tenant_id and e.at >= since]
        return sorted(mine, key=lambda e: e.at, reverse=True)[:limit]


@dataclass
class FakeNotionOAuth(NotionOAuth):
    """Grants tokens like Notion: a code once, a refresh token once (refresh rotates both)."""

    client: tuple[str, str] = ("client-id", "client-secret")
    workspace_id: str = "ws-1"
    codes: set[str] = field(default_factory=lambda: {"good-code"})
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    issued: int = 0

    def _grant(self) -> NotionGrant:
        self.issued += 1
        refresh = f"refresh-{self.issued}"
        self.refresh_tokens.add(refresh)
        owner = {"type": "user", "user": {"id": "user-1", "person": {"email": "ada@example.com"}}}
        return NotionGrant(f"access-{self.issued}", refresh, "bot-1", self.workspace_id, "Acme", owner)

    def _check(self, client_id: str, client_secret: str) -> None:
        if (client_id, client_secret) != self.client:
            raise Unauthenticated("invalid_client")

    def exchange_code(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> NotionGrant:
        self._check(client_id, client_secret)
        if code not in self.codes:
            raise PermanentError("invalid_grant")
        self.codes.discard(code)
        return self._grant()

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant:
        self._check(client_id, client_secret)
        if refresh_token not in self.refresh_tokens:
            raise PermanentError("invalid_grant")
        self.refresh_tokens.discard(refresh_token)
        return self._grant()

    def revoke(self, client_id: str, client_secret: str, token: str) -> None:
        self._check(client_id, client_secret)
        self.revoked.append(token)


class UnfakedCodeChecks:
    """The code host's checks, drafts and fixes (issue 68), for fakes of it that do not use them: a
    test reaching one fails."""

    def checks(self, token: str, repository: str, sha: str) -> list[CheckResult]:
        raise NotImplementedError("checks() is not faked here")

    def get_pull_request(self, token: str, repository: str, number: int) -> PullRequest:
        raise NotImplementedError("get_pull_request() is not faked here")

    def set_pull_request_body(self, token: str, repository: str, number: int, body: str) -> None:
        raise NotImplementedError("set_pull_request_body() is not faked here")

    def mark_ready(self, token: str, repository: str, number: int) -> PullRequest:
        raise NotImplementedError("mark_ready() is not faked here")

    def push_files(self, token: str, change: CodeChange) -> str:
        raise NotImplementedError("push_files() is not faked here")

    def recent_commits(self, token: str, repository: str, sha: str, limit: int) -> list[tuple[str, str, str]]:
        raise NotImplementedError("recent_commits() is not faked here")

    def merge(self, token: str, repository: str, number: int, sha: str, title: str) -> str:
        raise NotImplementedError("merge() is not faked here")

    def comments(self, token: str, repository: str, number: int, since: str) -> list[Comment]:
        raise NotImplementedError("comments() is not faked here")

    def tree(self, token: str, repository: str, ref: str) -> tuple[str, list[tuple[str, int]], bool]:
        raise NotImplementedError("tree() is not faked here")

    def contents(self, token: str, repository: str, ref: str, paths: list[str]) -> dict[str, str | None]:
        raise NotImplementedError("contents() is not faked here")

    def pull_request_files(self, token: str, repository: str, number: int) -> list[ChangedFile]:
        raise NotImplementedError("pull_request_files() is not faked here")


class UnfakedReleases:
    """The deployer's production, promotion and health check (issue 68), for fakes of it that do not
    use them: a test reaching one fails."""

    def production(self, token: str, project: str, team_id: str | None = None) -> Deployment | None:
        raise NotImplementedError("production() is not faked here")

    def previous_production(
        self, token: str, project: str, before_ms: int, team_id: str | None = None
    ) -> Deployment | None:
        raise NotImplementedError("previous_production() is not faked here")

    def promote(self, token: str, project: str, deployment_id: str, team_id: str | None = None) -> None:
        raise NotImplementedError("promote() is not faked here")

    def probe(self, url: str, path: str) -> int:
        raise NotImplementedError("probe() is not faked here")


@dataclass
class FakeCodeAccounts(UnfakedCodeChecks, UnfakedReleases, CodeHost, Deployer, Chat):
    """The "who am I" check of CodeHost/Deployer/Chat: any token but the ``refused`` ones is ``login``;
    ``down`` makes the check a passing outage (as a 5xx or a timeout would). Nothing else of those
    ports is faked: a test reaching another method fails."""

    label: str
    login: str = "octo"
    refused: set[str] = field(default_factory=set)
    down: bool = False

    def account(self, token: str) -> str:
        if self.down:
            raise TransientError(f"{self.label} answered 503 for the token")
        if token in self.refused:
            raise Unauthenticated(f"{self.label} refused the token; reconnect {self.label}")
        return self.login

    def _not_faked(self, method: str) -> NotImplementedError:
        return NotImplementedError(f"FakeCodeAccounts({self.label!r}) fakes account() only, not {method}()")

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        raise self._not_faked("find_pull_request")

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        raise self._not_faked("open_pull_request")

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        raise self._not_faked("current_files")

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None:
        raise self._not_faked("find_deployment")

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment:
        raise self._not_faked("create_deployment")

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment:
        raise self._not_faked("get_deployment")

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        raise self._not_faked("post_message")

    def find_message(
        self, token: str, channel: str, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        raise self._not_faked("find_message")


@dataclass
class FakeChat(Chat):
    """Slack (the Chat port): channels of (ts, text) messages and each one's metadata by its ts;
    ``fail`` queues an exception per method."""

    token: str = "xoxb-fake"
    messages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    # The time a message is posted at (its ts, as Slack's clock gives it); unset: 2026-01-05 08:00 UTC
    # plus a second per message, the unit tests' morning.
    clock: Callable[[], datetime] | None = None

    def _check(self, method: str, token: str) -> None:
        if self.fail.get(method):
            raise self.fail[method].pop(0)
        if token != self.token:
            raise Unauthenticated("Slack refused the token (invalid_auth)")

    def account(self, token: str) -> str:
        self._check("account", token)
        return "notion-agent in Acme"

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        self._check("post_message", token)
        sent = self.messages.setdefault(channel, [])
        if self.clock is None:
            ts = f"{1_767_600_000 + len(sent)}.000100"
        else:
            micros = round(self.clock().timestamp() * 1_000_000) + len(sent)  # distinct, like Slack's
            ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        sent.append((ts, text))
        if metadata:
            self.metadata[ts] = metadata
        return ts

    def find_message(
        self, token: str, channel: str, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        self._check("find_message", token)
        after, before = oldest.timestamp(), latest.timestamp()
        markers = marker if isinstance(marker, tuple) else (marker,)
        texts = tuple(m for m in markers if isinstance(m, str))
        found = [
            ts
            for ts, text in self.messages.get(channel, [])
            if self.metadata.get(ts) in markers or (texts and text.rstrip().endswith(texts))
        ]
        return next((ts for ts in found if after <= float(ts) <= before), None)


@dataclass
class FakeChatWebhooks(ChatWebhooks):
    """Discord's webhooks (the ChatWebhooks port): messages per webhook URL; ``fail`` queues an
    exception per method."""

    url: str = "https://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789"
    messages: dict[str, list[str]] = field(default_factory=dict)
    fail: dict[str, list[Exception]] = field(default_factory=dict)

    def _check(self, method: str, url: str) -> None:
        if self.fail.get(method):
            raise self.fail[method].pop(0)
        if url != self.url:
            raise Unauthenticated("Discord no longer knows this webhook")

    def account(self, url: str) -> str:
        self._check("account", url)
        return "Notion Agent in channel 1"

    def post(self, url: str, text: str) -> str:
        self._check("post", url)
        sent = self.messages.setdefault(url, [])
        sent.append(text)
        return str(1_300_000_000_000_000_000 + len(sent))


@dataclass
class FakeMailer(Mailer):
    """An SMTP relay (the Mailer port) that keeps what it accepted; ``fail`` queues exceptions."""

    password: str = "relay-password"
    sent: list[Mail] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)

    def send(self, password: str, mail: Mail) -> str:
        if self.fail:
            raise self.fail.pop(0)
        if password != self.password:
            raise Unauthenticated("the mail relay refused the SMTP credentials (535)")
        self.sent.append(mail)
        return mail.message_id


def no_held_runs(tenant_id: str, reason: str) -> int:
    """``connect.disconnect``'s ``stop_held`` for a workspace with no runs (the connect flow's tests)."""
    return 0
