"""The bodies of the workspace index's tasks on the plan queue: one page indexed again (``POST /index``,
from Notion's events, one task per page and window) and a tenant's daily reconcile (``POST
/reconcile``, from daily planning's fan-out)."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, ClassVar

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId

PageId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]  # plain: no hyphens, lower case


class IndexTask(TaskBody):
    """Bring ``page_id``'s passages in ``tenant_id``'s index up to date with Notion (or remove them)."""

    ROUTE: ClassVar[str] = "/index"

    tenant_id: TaskId
    page_id: PageId


class ReconcileTask(TaskBody):
    """Index every page ``tenant_id`` chose and drop the rest: what events missed (``day``: its name).
    A request whose time did not reach every page queues a continuation: its ``part`` number, and the
    ``start`` of the chosen pages it goes on from."""

    ROUTE: ClassVar[str] = "/reconcile"

    tenant_id: TaskId
    day: date
    part: int = Field(0, ge=0, le=1000)
    start: int = Field(0, ge=0)
    # Set when the owner's choice of pages and data sources changed: the choice's digest, so that
    # choice is indexed at once, apart from the day's reconcile (and one per choice, however often sent).
    chosen: str = Field("", pattern=r"^[0-9a-f]{0,16}$")


def reconcile_task_name(task: ReconcileTask) -> str:
    """One task per tenant, day, choice (none: the day's own) and part: a repeat of the day's fan-out,
    of a choice or of a continuation is one."""
    base = f"reconcile:{task.tenant_id}:{task.day:%Y%m%d}" + (f":chosen-{task.chosen}" if task.chosen else "")
    return f"{base}:{task.part}" if task.part else base


def index_task_name(tenant_id: str, page_id: str, at: datetime, window_s: float) -> tuple[str, datetime]:
    """The task name of a page's change at ``at`` and when it runs: one task per page and window of
    ``window_s`` (the webhooks' coalescing window), due at the window's end; without a window, now."""
    if window_s <= 0:
        return f"index:{tenant_id}:{page_id}:{at.timestamp():.0f}", at
    window = int(at.timestamp() // window_s)
    ends = datetime.fromtimestamp((window + 1) * window_s, UTC)
    return f"index:{tenant_id}:{page_id}:{window}", ends + timedelta(seconds=1)
