"""The workspace's ports faked for unit tests: the tenant store, OAuth states, invites and the webhook
event ledger; a store of connected tenants."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.platform.config import Settings
from shared.platform.errors import TransientError
from shared.workspace.domain.day_plans import Kept
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.skipped_edits import SkippedEdit
from shared.workspace.domain.tenants import EventRecord, EventSeen, Tenant, TenantStatus
from shared.workspace.ports import InviteStore, OAuthStateStore, TenantStore, WebhookEventLedger


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

    def remember(self, tenant_id: str, tenant: Tenant | None) -> None:
        return None  # a store kept between requests: its next get reads

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


def connected_tenants(config: Settings, *tenant_ids: str) -> FakeTenantStore:
    """A tenant store holding each of ``tenant_ids`` connected (session epoch ``epoch-<id>``), with
    the deployment's default budgets as its own."""
    tenants, now = FakeTenantStore(), datetime(2026, 1, 1, tzinfo=UTC)
    budgets = TenantSettings(
        max_cost_per_run_usd=config.default_run_budget_usd,
        max_cost_per_day_usd=config.default_day_budget_usd,
        max_cost_per_month_usd=config.default_month_budget_usd,
    )
    for tenant_id in tenant_ids:
        tenants.save(
            Tenant(
                tenant_id=tenant_id,
                workspace_id=f"ws-{tenant_id}",
                token_secret=f"notion-token-{tenant_id}",
                session_epoch=f"epoch-{tenant_id}",
                settings=budgets,
                created_at=now,
                updated_at=now,
            )
        )
    return tenants
