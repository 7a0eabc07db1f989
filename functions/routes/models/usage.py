"""What the usage route answers (``functions.routes.usage``)."""

import datetime as dt

from pydantic import Field

from shared.domain.schema import Schema


class DaySpend(Schema):
    date: dt.date = Field(description="Today (UTC)")
    spent_usd: float
    budget_usd: float


class MonthSpend(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="This month (UTC), YYYY-MM")
    spent_usd: float
    budget_usd: float


class Usage(Schema):
    """What the workspace spent on models today and this month, against its budgets."""

    day: DaySpend
    month: MonthSpend
    run_budget_usd: float
    paused: str | None = Field(
        description="Why Notion's events start nothing now (a spent budget); null: they do"
    )
