"""The notifications' query and answer (``functions.routes.notifications``)."""

from datetime import datetime

from pydantic import Field

from shared.notify.domain.notifications import NotificationStatus
from shared.notify.services.notifications import MAX_PAGE
from shared.platform.domain.schema import Schema


class NotificationsQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE, description="How many, newest first")
    cursor: str | None = Field(None, max_length=200, description="The previous page's next_cursor")


class Notification(Schema):
    """A notification's record (``NotificationRecord.listing``)."""

    notification_id: str
    run_id: str | None
    subject: str
    text: str
    status: NotificationStatus
    reason: str = Field(description="Why it is undeliverable; empty otherwise")
    channel: str = Field(
        description="Where it went: notion_comment, slack, discord, email or mail_thread (a reply in the thread of the mail that asked); empty: nowhere"
    )
    created_at: datetime


class NotificationList(Schema):
    notifications: list[Notification]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last")
