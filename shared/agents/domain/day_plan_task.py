"""The body of a workspace's daily plan page (``POST /day-plan`` on plan), enqueued by daily planning."""

from datetime import date
from typing import ClassVar

from shared.platform.domain.tasks import TaskBody, TaskId


class DayPlanTask(TaskBody):
    """Write ``tenant_id``'s plan of ``day`` (its local date): one page in Daily plans, replaced by a
    repeat (``shared.agents.services.day_plan_page``)."""

    ROUTE: ClassVar[str] = "/day-plan"

    tenant_id: TaskId
    day: date
