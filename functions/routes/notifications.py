"""Notifications: the tenant's notification records, newest first (sent, undeliverable, sending), so
a frontend can show what could not be delivered (e.g. a daily plan, which is about no page)."""

from datetime import datetime

from pydantic import Field

from functions._http import Reply
from functions.routes import Call
from shared.domain.notifications import NotificationStatus
from shared.domain.schema import Schema
from shared.errors import InvalidInput
from shared.services.notifications import MAX_PAGE, recent_notifications


class NotificationsQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE, description="How many, newest first")


class Notification(Schema):
    """A notification's record (``NotificationRecord.listing``)."""

    notification_id: str
    run_id: str | None
    subject: str
    text: str
    status: NotificationStatus
    reason: str = Field(description="Why it is undeliverable; empty otherwise")
    channel: str = Field(description="Where it went: notion_comment, slack, discord or email; empty: nowhere")
    created_at: datetime


class NotificationList(Schema):
    notifications: list[Notification]


def list_notifications(call: Call) -> Reply:
    raw = call.request.args.get("limit", "50")
    # ASCII digits (str.isdigit() also takes "²", which int() refuses), and few (int() refuses thousands)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}", ["limit"])
    c = call.container
    return recent_notifications(call.tenant_id, c.notifications, c.tenants, int(raw)), 200
