"""What a workspace spent on models, read back for a person (``GET /usage``, the daily digest): today's
and this month's spend against the budgets, the last days' chart, the costliest and the held runs.
The budgets themselves are checked and held around each call in :mod:`shared.runs.services.spend`."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.runs.domain.events import RunStatus
from shared.runs.domain.run_limits import Spend, budget_warnings, over_tenant_budget
from shared.runs.domain.run_search import RunFilter
from shared.runs.domain.state import Run
from shared.runs.services.deps import Deps
from shared.runs.services.spend import cap_reached

CHART_DAYS = 30  # GET /usage's days: one spend sum each
RECENT_RUNS = (
    200  # the latest runs GET /usage ranks (the month's) and counts per day (30 days'), newest first
)
COSTLIEST = 5
HELD_RUNS = 20  # of each held status


def usage(deps: Deps, tenant_id: str) -> dict[str, Any]:
    """What the workspace spent on models today and this month (UTC days and months, as the budgets
    count them), read now rather than from this instance's cache, against its budgets. Also each of
    the last ``CHART_DAYS`` days, the month's costliest runs, and the runs held and why. ``paused``:
    why Notion's events start nothing now (a spent budget), or None. ``warnings``: the day's and
    month's budgets past 80 % and not yet spent, in words. ``forecast_month_usd``: the month's spend
    so far and, for each day left after today, the last 7 days' daily average (today's included)."""
    now = deps.clock()
    day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
    day_usd, month_usd = deps.store.spend(tenant_id, day, month)
    budget = deps.budget(tenant_id)
    spent = over_tenant_budget(day_usd, month_usd, budget) or cap_reached(deps)
    when = (f"{now:%Y%m%d}", f"{now:%Y%m}")
    near = [
        w for w in budget_warnings(Spend(0.0, day_usd, month_usd), budget, when) if w.spent_usd < w.cap_usd
    ]
    days = [(now - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(CHART_DAYS - 1, -1, -1)]
    per_day = deps.store.spend_days(tenant_id, days)
    noted = _runs_of_note(deps, tenant_id, now, days[0])
    started, failed = noted.pop("started"), noted.pop("failed")
    next_month = (now.replace(day=28) + timedelta(days=4)).replace(day=1)
    left = (next_month.date() - now.date()).days - 1  # the days after today in this month
    pace = sum(per_day[-7:]) / 7
    return {
        "day": {"date": day, "spent_usd": round(day_usd, 6), "budget_usd": budget.day_usd},
        "month": {"month": month, "spent_usd": round(month_usd, 6), "budget_usd": budget.month_usd},
        "run_budget_usd": budget.run_usd,
        "paused": spent.reason if spent else None,
        "warnings": [f"{w.words()[0].upper()}{w.words()[1:]}" for w in near],
        "forecast_month_usd": round(month_usd + pace * left, 6),
        "days": [
            {
                "date": d,
                "spend_usd": round(usd, 6),
                "budget_usd": budget.day_usd,
                "runs": started.get(d, 0),
                "failed": failed.get(d, 0),
            }
            for d, usd in zip(days, per_day, strict=True)
        ],
        **noted,
    }


def _runs_of_note(deps: Deps, tenant_id: str, now: datetime, first_day: str) -> dict[str, Any]:
    """The month's costliest runs and the runs started and failed each day from ``first_day`` (among
    the latest ``RECENT_RUNS``), and the runs held (paused, or waiting for a person to lift a limit),
    each with why; only the current owner's."""
    tenant = deps.tenants.get(tenant_id, fresh=True) if deps.tenants is not None else None
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first = datetime.strptime(first_day, "%Y-%m-%d").replace(tzinfo=UTC)
    owner = tenant.owner_since if tenant is not None else None
    since = max(min(month_start, first), owner) if owner is not None else min(month_start, first)
    recent = deps.store.list_runs(tenant_id, RECENT_RUNS, RunFilter(since=since))
    started = Counter(r.created_at.strftime("%Y-%m-%d") for r in recent)
    failed = Counter(r.created_at.strftime("%Y-%m-%d") for r in recent if r.state.status == RunStatus.FAILED)
    this_month = (r for r in recent if r.created_at >= month_start and r.state.cost_usd > 0)
    costly = sorted(this_month, key=lambda r: -r.state.cost_usd)
    held = [
        r
        for status in (RunStatus.PAUSED, RunStatus.WAITING_FOR_HUMAN)
        for r in deps.store.list_runs(tenant_id, HELD_RUNS, RunFilter(status=status.value, since=owner))
    ]
    return {
        "started": started,
        "failed": failed,
        "costliest_runs": [
            {
                "run_id": r.run_id,
                "goal": r.state.goal,
                "cost_usd": round(r.state.cost_usd, 6),
                "status": r.state.status.value,
            }
            for r in costly[:COSTLIEST]
        ],
        "paused_runs": [
            {"run_id": r.run_id, "goal": r.state.goal, "status": r.state.status.value, "reason": _why_held(r)}
            for r in held
            if r.state.status == RunStatus.PAUSED or (r.state.waiting and r.state.waiting.purpose == "limit")
        ],
    }


def _why_held(run: Run) -> str:
    waiting = run.state.waiting
    if run.state.status == RunStatus.PAUSED:
        return run.state.last_error or "paused by a person: resume it to go on"
    return waiting.prompt if waiting else ""
