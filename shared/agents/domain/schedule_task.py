"""The body of daily planning's fan-out (``POST /schedule`` on plan)."""

from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import AwareDatetime, ValidationInfo, field_validator

from shared.platform.domain.tasks import TaskBody, TaskId

# How far back daily planning catches up ticks it missed (an outage at the top of an hour): a day
# planned up to this late is still worth a plan, and each tick past it costs every tenant a check.
CATCH_UP = timedelta(hours=6)


class ScheduleTask(TaskBody):
    """Daily planning fan-out, one page of active tenants per call (``POST /schedule`` on plan).
    Cloud Scheduler sends ``{}``: the tick is the current hour and the page the first. A
    continuation carries both, so however late it runs it plans the tenants due at that tick."""

    ROUTE: ClassVar[str] = "/schedule"

    tick: AwareDatetime | None = None
    after: TaskId | None = None
    # The first of the ticks this fan-out plans for: earlier than ``tick`` when ticks before it were
    # missed (shared.agents.services.daily_schedule), at most CATCH_UP earlier. None: ``tick`` alone.
    since: AwareDatetime | None = None

    @field_validator("since")
    @classmethod
    def _within_catch_up(cls, since: datetime | None, info: ValidationInfo) -> datetime | None:
        tick = info.data.get("tick")
        if since is not None and (tick is None or not tick - CATCH_UP <= since <= tick):
            hours = CATCH_UP // timedelta(hours=1)
            raise ValueError(f"needs a tick, and must be at most {hours} hours before it")
        return since
