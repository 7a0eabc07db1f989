"""What the usage route answers (``functions.routes.usage``)."""

import datetime as dt

from pydantic import Field

from shared.platform.domain.schema import Schema
from shared.runs.domain.events import RunStatus


class DaySpend(Schema):
    date: dt.date = Field(description="Today (UTC)")
    spent_usd: float
    budget_usd: float


class MonthSpend(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="This month (UTC), YYYY-MM")
    spent_usd: float
    budget_usd: float


class ChartDay(Schema):
    date: dt.date
    spend_usd: float
    budget_usd: float = Field(description="The day budget")
    runs: int = Field(description="Runs started that day, among the workspace's latest 200")
    failed: int = Field(description="Of those, the runs that failed")


class CostlyRun(Schema):
    run_id: str
    goal: str
    cost_usd: float
    status: RunStatus


class HeldRun(Schema):
    run_id: str
    goal: str
    status: RunStatus
    reason: str = Field(description="Why it is held: paused by a person, or the limit it asks to lift")


class Usage(Schema):
    """What the workspace spent on models today and this month, against its budgets."""

    day: DaySpend
    month: MonthSpend
    run_budget_usd: float
    paused: str | None = Field(
        description="Why Notion's events start nothing now (a spent budget); null: they do"
    )
    warnings: list[str] = Field(
        description="The day's and month's budgets past 80 % and not yet spent, each in words"
    )
    forecast_month_usd: float = Field(
        description="This month's spend so far and, for each day left after today, the last 7 days' "
        "daily average (today's included)"
    )
    days: list[ChartDay] = Field(description="The last 30 days (UTC), oldest first, today last")
    costliest_runs: list[CostlyRun] = Field(
        description="This month's 5 costliest runs, among its latest 200, costliest first"
    )
    paused_runs: list[HeldRun] = Field(description="Runs paused, or waiting for a person to lift a limit")
