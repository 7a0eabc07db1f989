"""The body of one notification, on notify. It never carries a link: notify mints a decision's or a
confirmation's links as it sends (``shared.notify.services.links``)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from shared.platform.domain.tasks import TaskBody, TaskId


class NotifyTask(TaskBody):
    """Deliver one notification, at most once per ``notification_id``."""

    notification_id: TaskId
    tenant_id: TaskId
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    text: Annotated[str, Field(max_length=20_000)]
    run_id: TaskId | None = None
    channel: Annotated[str, Field(pattern=r"^(outbox|email|slack|notion_comment|mail_thread)$")] = "outbox"
    # urgent: sent even in the tenant's quiet hours (a run waiting for a person); normal: deferred.
    priority: Literal["normal", "urgent"] = "normal"
    # page_id: the page it is about (the run's trigger page), where a Notion comment goes; run_id,
    # request_id and purpose: the request a decision or an answer is asked for; kind and to: a
    # confirmation (``CONFIRMATION_KIND``) and the address it confirms.
    data: dict[str, Any] = Field(default_factory=dict)
    # When the run it is about started: not delivered once the workspace has another owner than the
    # one whose run it is (``Tenant.owns``). None: about no run, or sent before this field.
    run_started_at: datetime | None = None

    @field_validator("data")
    @classmethod
    def _without_links(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` without the links a body enqueued before notify minted them carried: notify mints
        fresh ones as it sends, and none is re-enqueued (quiet hours) or kept."""
        if STALE_LINK_KEYS & data.keys():
            return {k: v for k, v in data.items() if k not in STALE_LINK_KEYS}
        return data


# Where such bodies had their signed links (decision, confirmation): dropped when one is read.
STALE_LINK_KEYS = frozenset({"approve_url", "reject_url", "confirm_url"})
