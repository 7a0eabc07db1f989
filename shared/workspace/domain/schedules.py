"""A routine's schedule: when an agent starts by itself (every day, weekday, chosen weekdays or month,
at an hour of the workspace's time zone). A workspace value: the tenant keeps a copy of its agents'
schedules (``Tenant.agent_schedules``) so that the hourly tick reads no agent (decision 0084)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from shared.platform.domain.schema import JSON_INTEGER, Record

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
type Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Schedule(Record):
    """When a routine starts: ``every`` day, weekday, chosen weekdays or month (on ``day_of_month``), at
    ``hour`` in the workspace's time zone."""

    every: Literal["daily", "weekdays", "weekly", "monthly"]
    hour: Annotated[int, Field(ge=0, le=23), JSON_INTEGER]
    days: Annotated[list[Weekday], Field(max_length=7)] = Field(default_factory=list)
    day_of_month: Annotated[int, Field(ge=1, le=28), JSON_INTEGER] | None = None

    @model_validator(mode="after")
    def _days_fit(self) -> "Schedule":
        if self.every == "weekly" and not self.days:
            raise ValueError("a weekly schedule names its days (days: mon ... sun)")
        if self.every != "weekly" and self.days:
            raise ValueError("days are for a weekly schedule only")
        if (self.every == "monthly") != (self.day_of_month is not None):
            raise ValueError("day_of_month is needed by a monthly schedule, and only by one")
        return self

    def on(self, day: date) -> bool:
        """Whether the routine runs on the local date ``day``."""
        if self.every == "weekdays":
            return day.weekday() < 5
        if self.every == "weekly":
            return WEEKDAYS[day.weekday()] in self.days
        if self.every == "monthly":
            return day.day == self.day_of_month
        return True
