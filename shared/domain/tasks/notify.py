"""The body of one notification, on notify."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.domain.tasks import TaskBody, TaskId


class NotifyTask(TaskBody):
    """Deliver one notification, at most once per ``notification_id``."""

    notification_id: TaskId
    tenant_id: TaskId
    run_id: TaskId | None = None
    channel: str = Field(default="outbox", pattern=r"^(outbox|email|slack|notion_comment)$")
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(max_length=20_000)
    # urgent: sent even in the tenant's quiet hours (a run waiting for a person); normal: deferred.
    priority: Literal["normal", "urgent"] = "normal"
    # page_id: the page it is about (the run's trigger page), where a Notion comment goes;
    # approve_url/reject_url: a decision's links.
    data: dict[str, Any] = Field(default_factory=dict)
    # When the run it is about started: not delivered once the workspace has another owner than the
    # one whose run it is (``Tenant.owns``). None: about no run, or sent before this field.
    run_started_at: datetime | None = None
