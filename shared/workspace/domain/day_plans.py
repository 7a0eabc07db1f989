"""What the tenant store keeps of a day's plan (``tenants/{t}/day_plans/{YYYYMMDD}``), the record a
day plan's page is written from once (shared.agents.domain.day_plan builds the plan itself)."""

from datetime import timedelta
from typing import NamedTuple

KEPT = timedelta(days=7)  # how long a day's record (its page, its tasks) is kept in Firestore


class Kept(NamedTuple):
    """What is kept of a day's plan (Firestore ``tenants/{t}/day_plans/{YYYYMMDD}``): its page in
    Daily plans ("" before it is written) and the tasks it named (the next day's "planned yesterday").
    The console's view of it: the Markdown written, the page's URL, the runs waiting (run id, title)."""

    page_id: str = ""
    task_ids: tuple[str, ...] = ()
    text: str = ""
    url: str = ""
    waiting: tuple[tuple[str, str], ...] = ()
