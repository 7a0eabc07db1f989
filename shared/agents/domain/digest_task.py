"""The body of a tenant's daily digest (``POST /digest`` on plan), enqueued by daily planning."""

from datetime import date
from typing import ClassVar

from shared.platform.domain.tasks import TaskBody, TaskId


class DigestTask(TaskBody):
    """Build and send ``tenant_id``'s digest of ``day`` (its local date): once, by its notification id."""

    ROUTE: ClassVar[str] = "/digest"

    tenant_id: TaskId
    day: date
