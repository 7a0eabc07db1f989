"""Shared by several test modules: helpers first written for ``tests/unit/agents/test_daily_planning.py``."""

from datetime import UTC, datetime
from typing import Any

from shared.agents.domain.day_plan_task import DayPlanTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.workspace.workspace_fakes import FakeTenantStore

WINTER_7_UTC = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # Paris 08:00, London 07:00, Los Angeles 23:00 (Jan 4)


def tenant(tenant_id: str, tz: str = "UTC", hour: int = 8, **changes: Any) -> Tenant:
    settings = TenantSettings(timezone=tz, planning_hour=hour, data_source_ids=["ds-tasks"])
    fields: dict[str, Any] = {
        "tenant_id": tenant_id,
        "workspace_id": f"ws-{tenant_id}",
        "token_secret": f"notion-token-{tenant_id}",
        "settings": settings,
        "created_at": WINTER_7_UTC,
        "updated_at": WINTER_7_UTC,
    }
    return Tenant.model_validate(fields | changes)


def deps_with(*tenants: Tenant, now: datetime = WINTER_7_UTC, **settings: Any) -> Deps:
    store = FakeTenantStore()
    for t in tenants:
        store.save(t)
    return make_deps(**settings)._replace(tenants=store, clock=lambda: now)


def queued(deps: Deps) -> FakeQueue:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue


def plan_tasks(deps: Deps) -> dict[str, DayPlanTask]:
    """The day-plan tasks daily planning enqueued, by tenant."""
    return {b.tenant_id: b for _, b, _, _ in queued(deps).tasks if isinstance(b, DayPlanTask)}
