"""A person's connected calendar (``calendar_links/{person hash}``): whose, in which workspace, where
the OAuth refresh token is kept (a secret's name), the sync token and the push channel. The channel
is its id, the hash of its token, Google's resource id, its expiration and the last message number
taken. A meeting: the essentials kept of an upcoming event. A push: Google's headers. Pure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput, Unauthenticated

MAX_ATTENDEES = 30
MAX_DESCRIPTION = 2000
KEPT_BEFORE = timedelta(days=1)  # a meeting is kept from a day before it ends ...
KEPT_AHEAD = timedelta(days=14)  # ... to two weeks before it starts


class CalendarLink(Schema):
    """One workspace member's primary calendar, connected with their Google consent."""

    model_config = ConfigDict(extra="ignore")

    person: Annotated[str, Field(max_length=320)]  # the member's address, folded
    tenant_id: Annotated[str, Field(max_length=100)]
    notion_user_id: Annotated[str, Field(max_length=100)] = ""
    token_secret: Annotated[str, Field(max_length=200)]
    sync_token: Annotated[str, Field(max_length=2000)] = ""
    channel_id: Annotated[str, Field(max_length=64)] = ""
    channel_token_sha256: Annotated[str, Field(max_length=64)] = ""  # never the token itself
    resource_id: Annotated[str, Field(max_length=200)] = ""
    channel_expires_at: datetime | None = None
    message_number: int = 0  # the last message number of ``channel_id`` taken
    connected_at: datetime


def token_secret_name(tenant_id: str, person_key: str) -> str:
    """The Secret Manager name of a person's calendar refresh token."""
    return f"calendar-{tenant_id}-{person_key}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(link: CalendarLink, given: str) -> bool:
    """Whether ``given`` is the channel's token, compared in constant time by digest."""
    return bool(link.channel_token_sha256) and hmac.compare_digest(
        token_digest(given), link.channel_token_sha256
    )


class Attendee(Schema):
    email: Annotated[str, Field(max_length=320)]
    name: Annotated[str, Field(max_length=200)] = ""


class Meeting(Schema):
    """What is kept of one event of a person's calendar: enough to trigger on it and to list it. The
    summary, description and attendees' names are the event's writers' words: untrusted data."""

    model_config = ConfigDict(extra="ignore")  # the stored copy's expires_at (Firestore's TTL)

    tenant_id: str
    person: str
    event_id: Annotated[str, Field(max_length=1024)]
    ical_uid: Annotated[str, Field(max_length=1024)] = ""
    summary: Annotated[str, Field(max_length=300)] = ""
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""
    attendees: list[Attendee] = Field(default_factory=list)
    start: datetime
    end: datetime
    link: Annotated[str, Field(max_length=500)] = ""


class _When(Schema):
    dateTime: datetime | None = None
    date: str | None = None


class _Person(Schema):
    email: str = ""
    displayName: str = ""
    resource: bool = False


class _Event(Schema):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, Field(min_length=1, max_length=1024)]
    status: str = "confirmed"
    iCalUID: str = ""
    summary: str = ""
    description: str = ""
    htmlLink: str = ""
    start: _When | None = None
    end: _When | None = None
    attendees: list[_Person] = Field(default_factory=list)


def meeting_of(tenant_id: str, person: str, event: Mapping[str, Any], now: datetime) -> Meeting | str:
    """The meeting an event of ``person``'s calendar is; else the event's id, to be dropped. Dropped:
    a cancelled event, a whole-day one (no time to be "N minutes before"), one outside the kept window,
    a malformed one (its id, or "" when it has none)."""
    try:
        parsed = _Event.model_validate(event)
    except ValidationError:
        return str(event.get("id", ""))[:1024] if isinstance(event.get("id"), str) else ""
    start = parsed.start.dateTime if parsed.start else None
    end = parsed.end.dateTime if parsed.end else None
    if parsed.status == "cancelled" or start is None or end is None:
        return parsed.id
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < now - KEPT_BEFORE or start > now + KEPT_AHEAD:
        return parsed.id
    people = [
        Attendee(email=a.email[:320], name=a.displayName[:200])
        for a in parsed.attendees
        if a.email and not a.resource
    ]
    return Meeting(
        tenant_id=tenant_id,
        person=person,
        event_id=parsed.id,
        ical_uid=parsed.iCalUID[:1024],
        summary=parsed.summary[:300],
        description=parsed.description[:MAX_DESCRIPTION],
        attendees=people[:MAX_ATTENDEES],
        start=start,
        end=max(end, start),
        link=parsed.htmlLink[:500] if parsed.htmlLink.startswith("https://") else "",
    )


class Push(Schema):
    """One notification of a channel, from its headers."""

    channel_id: str
    token: str
    state: Literal["sync", "exists", "not_exists"]
    number: int
    resource_id: str


def parse_push(headers: Mapping[str, str]) -> Push:
    """Google's notification headers (``X-Goog-Channel-ID``, ``X-Goog-Channel-Token``,
    ``X-Goog-Resource-State``, ``X-Goog-Message-Number``, ``X-Goog-Resource-ID``). Unauthenticated (401)
    without a channel token; InvalidInput (400) for headers that are no Calendar notification."""
    found = {k.lower(): v for k, v in headers.items()}
    token = found.get("x-goog-channel-token", "")
    channel = found.get("x-goog-channel-id", "")
    if not token:  # first: a request carrying nothing of Google's is a 401, as the contract says
        raise Unauthenticated("a Calendar notification without its channel token")
    if not channel:
        raise InvalidInput("not a Google Calendar notification: no X-Goog-Channel-ID header")
    number = found.get("x-goog-message-number", "")
    state = found.get("x-goog-resource-state", "")
    if not number.isdigit() or len(number) > 18 or state not in ("sync", "exists", "not_exists"):
        raise InvalidInput("not a Google Calendar notification: its message number or state is missing")
    if len(channel) > 64 or len(token) > 256:
        raise InvalidInput("not a Google Calendar notification: a channel id or token too long")
    return Push(
        channel_id=channel,
        token=token,
        state=state,
        number=int(number),
        resource_id=found.get("x-goog-resource-id", "")[:200],
    )
