"""The sync's tasks on the plan queue (``POST /sync``). One mirrors one issue of a tool (Linear's, GitLab's;
from its webhook). The other scans the Notion data source for pages edited since the last scan (every
``sync_scan_interval_s`` seconds, ``SCAN_INTERVAL_S`` by default, while the tool's connection lasts, each
scan queueing the next)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId
from shared.sync.domain.connection import Tool

SCAN_INTERVAL_S = 60.0  # a Notion query a minute per connected workspace, well within its pace
COALESCE_S = 5.0  # one mirror task per issue and window of this many seconds (by arrival time)
LinearId = Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,64}$")]


class SyncTask(TaskBody):
    """``kind`` issue: bring ``issue_id`` and its page in step; scan: every page edited since ``since``."""

    ROUTE: ClassVar[str] = "/sync"

    tenant_id: TaskId
    kind: Literal["issue", "scan"]
    tool: Tool = "linear"
    issue_id: LinearId | None = None
    since: datetime | None = None


def _prefix(tool: Tool) -> str:
    return "sync" if tool == "linear" else f"sync-{tool}"


def issue_task_name(tenant_id: str, issue_id: str, now: datetime, tool: Tool = "linear") -> tuple[str, float]:
    """The task name of an issue's delivery arriving at ``now``, and its delay: one per issue and
    window, run a second after the window ends. Every delivery of the window is then in it, and one
    arriving later is in a later window, never lost."""
    window = int(now.timestamp() // COALESCE_S)
    delay = (window + 1) * COALESCE_S - now.timestamp() + 1.0
    return f"{_prefix(tool)}-issue:{tenant_id}:{issue_id}:{window}", delay


def scan_task_name(
    tenant_id: str, at: datetime, tool: Tool = "linear", interval_s: float = SCAN_INTERVAL_S
) -> str:
    """The scan task's name for the window of ``interval_s`` seconds holding ``at``: one per window."""
    return f"{_prefix(tool)}-scan:{tenant_id}:{int(at.timestamp() // interval_s)}"
