"""Notifications: the tenant's notification records, newest first (sent, undeliverable, sending), so
a frontend can show what could not be delivered (e.g. a daily plan, which is about no page)."""

from functions._http import Reply
from functions.routes import Call
from shared.notify.services.notifications import MAX_PAGE, recent_notifications
from shared.platform.errors import InvalidInput


def list_notifications(call: Call) -> Reply:
    raw = call.request.args.get("limit", "50")
    # ASCII digits (str.isdigit() also takes "²", which int() refuses), and few (int() refuses thousands)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}", ["limit"])
    cursor = call.request.args.get("cursor") or None
    if cursor is not None and not (len(cursor) <= 200 and cursor.isascii() and cursor.isprintable()):
        raise InvalidInput("cursor: not one this api gave: start again from the first page", ["cursor"])
    c = call.container
    listed = recent_notifications(
        call.tenant_id, c.notify.notifications, c.workspace.tenants, int(raw), cursor
    )
    return listed, 200
