"""A calendar's push (docs/calendar.md, decision 0193). Google notifies a change on the person's
channel. The channel's token is checked in constant time against the stored digest. Then the calendar
is read from the stored sync token (a full sync when Google answers 410); the upcoming meetings kept. A message number at or before the one stored reads nothing; the sync token and the
number are stored together, so a repeat, a late or a reordered push changes nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.calendar.domain.connections import (
    KEPT_BEFORE,
    CalendarLink,
    meeting_of,
    parse_push,
    token_matches,
)
from shared.calendar.ports import SyncGone
from shared.platform.errors import Forbidden

if TYPE_CHECKING:
    from shared.calendar.ports import CalendarApi, CalendarLinks
    from shared.platform.ports import SecretStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarIntake:
    """What receiving a push, connecting a calendar and renewing its channel need."""

    links: CalendarLinks
    api: CalendarApi
    secrets: SecretStore
    push_url: str  # where Google posts the notifications (the api's /calendar/push)


def receive(
    headers: Mapping[str, str], intake: CalendarIntake, now: datetime | None = None
) -> dict[str, Any]:
    """Answer one notification. Unauthenticated (401) without a channel token; Forbidden (403) for a
    token not the channel's; InvalidInput (400) for headers that are no notification. Otherwise
    ``result``: ``synced`` (``changed``: events read; ``full_sync`` when the sync token was gone).
    Or ``sync`` (the channel's first message: nothing to read), ``duplicate`` (a message number not
    past the stored one) or ``unknown`` (no calendar on that channel, e.g. one renewed since)."""
    push = parse_push(headers)
    link = intake.links.by_channel(push.channel_id)
    if link is None:
        return {"result": "unknown"}
    if not token_matches(link, push.token):
        log.warning("calendar: a notification with a wrong channel token was refused")
        raise Forbidden("the notification's channel token is not the channel's")
    if push.number <= link.message_number:
        return {"result": "duplicate"}
    if push.state == "sync":
        intake.links.advance(link.person, link.channel_id, push.number, link.sync_token)
        return {"result": "sync"}
    changed, token, full = sync_meetings(link, intake, now or datetime.now(UTC))
    if not intake.links.advance(link.person, link.channel_id, push.number, token):
        return {"result": "duplicate"}  # a newer message (or this one, again) was taken meanwhile
    return {"result": "synced", "changed": changed, "full_sync": full}


def calendars_of(
    team: Sequence[tuple[str, str]], links: CalendarLinks, tenant_id: str
) -> list[dict[str, Any]]:
    """Each of ``team`` (member id, address) with whether their calendar is connected here, and until
    when its channel runs (renewed a day before): what Integrations shows per person."""
    held = {link.person: link for link in links.of_tenant(tenant_id)}
    shown = []
    for member_id, address in team:
        link = held.get(address.strip().lower()) if address else None
        until = {"channel_expires_at": link.channel_expires_at} if link and link.channel_expires_at else {}
        shown.append({"member_id": member_id, "connected": link is not None} | until)
    return shown


def sync_meetings(link: CalendarLink, intake: CalendarIntake, now: datetime) -> tuple[int, str, bool]:
    """Read ``link``'s calendar from its sync token (from scratch without one, or on Google's 410) and
    keep its meetings: (events read, the next sync token, whether it was a full sync)."""
    refresh = intake.secrets.get(link.token_secret)
    full = not link.sync_token
    if not full:
        try:
            events, token = intake.api.changes(refresh, link.sync_token)
        except SyncGone:
            full = True
    if full:
        events, token = intake.api.full(refresh, now - KEPT_BEFORE)
    kept, gone = [], []
    for event in events:
        found = meeting_of(link.tenant_id, link.person, event, now)
        if isinstance(found, str):
            gone += [found] if found else []
        else:
            kept.append(found)
    intake.links.keep(link, kept, gone, replace=full)
    return len(events), token, full
