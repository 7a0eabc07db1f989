"""The body of daily planning's fan-out (``POST /schedule`` on plan)."""

from datetime import datetime, timedelta
from typing import Annotated, ClassVar

from msgspec import Meta

from shared.domain.structs import Refused
from shared.domain.tasks import TaskBody, TaskId

# How far back daily planning catches up ticks it missed (an outage at the top of an hour): a day
# planned up to this late is still worth a plan, and each tick past it costs every tenant a check.
CATCH_UP = timedelta(hours=6)


class ScheduleTask(TaskBody):
    """Daily planning fan-out, one page of active tenants per call (``POST /schedule`` on plan).
    Cloud Scheduler sends ``{}``: the tick is the current hour and the page the first. A
    continuation carries both, so however late it runs it plans the tenants due at that tick."""

    ROUTE: ClassVar[str] = "/schedule"

    tick: Annotated[datetime, Meta(tz=True)] | None = None
    after: TaskId | None = None
    # The first of the ticks this fan-out plans for: earlier than ``tick`` when ticks before it were
    # missed (shared.services.daily_schedule), at most CATCH_UP earlier. None: ``tick`` alone.
    since: Annotated[datetime, Meta(tz=True)] | None = None

    def _check(self) -> None:
        tick, since = self.tick, self.since
        if since is not None and (tick is None or not tick - CATCH_UP <= since <= tick):
            hours = CATCH_UP // timedelta(hours=1)
            raise Refused("since", f"needs a tick, and must be at most {hours} hours before it")
