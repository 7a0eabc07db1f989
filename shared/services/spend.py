"""Budgets checked before every model call: the run's own cost (in its state) and the tenant's day
and month spend, summed from its append-only ``model_used`` events (no hot counter document).

Sums and budgets are cached per instance for ``spend_cache_ttl_s``, plus what the instance spent
since. A call the cached budgets would stop reads them again first, so a stop is made only on the
budgets as stored; a lowered budget or others' spend takes effect within the cache time.
"""

import threading
import time
from typing import Any

from shared.domain.run_limits import Budget, Spend, TenantOverBudget, over_budget, over_tenant_budget
from shared.services.deps import Deps

_lock = threading.Lock()
_cache: dict[str, tuple[float, str, float, float]] = {}  # tenant → (expires, day, day $, month $)
_budgets: dict[str, tuple[float, Budget]] = {}  # tenant → (expires, its budgets as read)


def _tenant_spend(deps: Deps, tenant_id: str) -> tuple[float, float]:
    now = deps.clock()
    day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
    with _lock:
        cached = _cache.get(tenant_id)
        if cached and cached[0] > time.monotonic() and cached[1] == day:
            return cached[2], cached[3]
    day_usd, month_usd = deps.store.spend(tenant_id, day, month)
    with _lock:
        _cache[tenant_id] = (time.monotonic() + deps.settings.spend_cache_ttl_s, day, day_usd, month_usd)
    return day_usd, month_usd


def note_spent(tenant_id: str, cost_usd: float) -> None:
    """Add this instance's new spend to its cached sums (until the next read)."""
    with _lock:
        cached = _cache.get(tenant_id)
        if cached:
            _cache[tenant_id] = (cached[0], cached[1], cached[2] + cost_usd, cached[3] + cost_usd)


def forget() -> None:
    with _lock:
        _cache.clear()
        _budgets.clear()


def _budget(deps: Deps, tenant_id: str, *, fresh: bool = False) -> Budget:
    """The tenant's budgets, as read within ``spend_cache_ttl_s`` unless ``fresh``."""
    with _lock:
        cached = _budgets.get(tenant_id)
        if not fresh and cached and cached[0] > time.monotonic():
            return cached[1]
    budget = deps.budget(tenant_id)
    with _lock:
        _budgets[tenant_id] = (time.monotonic() + deps.settings.spend_cache_ttl_s, budget)
    return budget


def budget_problem(deps: Deps, tenant_id: str, run_cost_usd: float, grants: int) -> str | None:
    """Why the next model call may not happen, or None: a stop on the budgets as stored now, a go
    on those read within ``spend_cache_ttl_s`` (module docstring)."""
    day_usd, month_usd = _tenant_spend(deps, tenant_id)
    spend = Spend(run_cost_usd, day_usd, month_usd)
    if over_budget(spend, _budget(deps, tenant_id), grants) is None:
        return None
    return over_budget(spend, _budget(deps, tenant_id, fresh=True), grants)


def tenant_over_budget(deps: Deps, tenant_id: str) -> TenantOverBudget | None:
    """The workspace budget (day or month) that stops every model call now, whatever a person approves."""
    day_usd, month_usd = _tenant_spend(deps, tenant_id)
    return over_tenant_budget(day_usd, month_usd, deps.budget(tenant_id))


def usage(deps: Deps, tenant_id: str) -> dict[str, Any]:
    """What the workspace spent on models today and this month (UTC days and months, as the budgets
    count them), read now rather than from this instance's cache, against its budgets. ``paused``:
    why Notion's events start nothing now (a spent budget), or None."""
    now = deps.clock()
    day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
    day_usd, month_usd = deps.store.spend(tenant_id, day, month)
    budget = deps.budget(tenant_id)
    spent = over_tenant_budget(day_usd, month_usd, budget)
    return {
        "day": {"date": day, "spent_usd": round(day_usd, 6), "budget_usd": budget.day_usd},
        "month": {"month": month, "spent_usd": round(month_usd, 6), "budget_usd": budget.month_usd},
        "run_budget_usd": budget.run_usd,
        "paused": spent.reason if spent else None,
    }
