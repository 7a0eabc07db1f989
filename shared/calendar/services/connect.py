"""Connecting a person's calendar, and keeping its push channel alive (docs/calendar.md). The refresh
token is kept in Secret Manager; the calendar is read in full once; Google watches it onto the api's
push URL with a new channel id and a random token of which only the digest is stored. A channel ends
at its expiration: the scheduler's tick renews each one a day before, a new channel first."""

from __future__ import annotations

import secrets as random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.calendar.domain.connections import CalendarLink, token_digest, token_secret_name
from shared.calendar.services.intake import sync_meetings
from shared.platform.errors import AgentError
from shared.workspace.domain.tenants import address_hash

if TYPE_CHECKING:
    from shared.calendar.ports import CalendarLinks
    from shared.calendar.services.intake import CalendarIntake
    from shared.platform.ports import SecretStore

RENEW_BEFORE = timedelta(days=1)


def _watched(link: CalendarLink, intake: CalendarIntake) -> CalendarLink:
    """``link`` on a new channel: a new id and token, Google's resource id and expiration."""
    channel_id, token = "cal-" + random.token_hex(16), random.token_urlsafe(32)
    refresh = intake.secrets.get(link.token_secret)
    resource_id, expires = intake.api.watch(refresh, channel_id, token, intake.push_url)
    return link.model_copy(
        update={
            "channel_id": channel_id,
            "channel_token_sha256": token_digest(token),
            "resource_id": resource_id,
            "channel_expires_at": expires,
            "message_number": 0,
        }
    )


def connect_calendar(
    person: str, tenant_id: str, notion_user_id: str, refresh_token: str, intake: CalendarIntake
) -> CalendarLink:
    """Keep ``refresh_token`` (never anywhere else), read the calendar in full, keep its meetings and
    watch it. Repeatable: a second connect starts again from a full sync on a new channel."""
    person = person.strip().lower()
    name = token_secret_name(tenant_id, address_hash(person))
    intake.secrets.put(name, refresh_token)
    link = CalendarLink(
        person=person,
        tenant_id=tenant_id,
        notion_user_id=notion_user_id,
        token_secret=name,
        connected_at=datetime.now(UTC),
    )
    _, token, _ = sync_meetings(link, intake, datetime.now(UTC))
    link = _watched(link.model_copy(update={"sync_token": token}), intake)
    intake.links.put(link)
    return link


def renew_channels(intake: CalendarIntake, now: datetime, limit: int = 100) -> dict[str, int]:
    """Each channel ending within ``RENEW_BEFORE`` replaced by a new one, the old one then stopped (a
    push on it meanwhile is ``unknown``, and the new channel's pushes read from the same sync token).
    ``renewed`` and ``failed`` (a refused consent or Google unreachable: tried again next tick)."""
    renewed = failed = 0
    for link in intake.links.expiring(now + RENEW_BEFORE, limit):
        try:
            fresh = _watched(link, intake)
            intake.links.put(fresh)
            intake.api.stop(intake.secrets.get(link.token_secret), link.channel_id, link.resource_id)
            renewed += 1
        except AgentError:
            failed += 1
    return {"renewed": renewed, "failed": failed}


def forget_calendars(tenant_id: str, *, links: CalendarLinks, secrets: SecretStore) -> int:
    """Delete the refresh token of every calendar connected in ``tenant_id``, as erasing the workspace
    asks; the links and meetings go with the tenant's named documents (firestore_erasure), after. A
    later push for a forgotten channel finds no link. How many were forgotten."""
    found = links.of_tenant(tenant_id)
    for link in found:
        secrets.delete(link.token_secret)
    return len(found)
