"""The Google Calendar sandbox: a small in-memory Calendar serving what shared.calendar relies on, at
the paths of the Calendar API's discovery document (``calendar/v3/...``, the one google-api-python-client
ships), so the official client talks to it unchanged. From the API reference and its guides
("Synchronize resources efficiently", "Push notifications"):

- Google's consent page, token and revoke endpoints (``local/gmail_sandbox/accounts.py``, shared with
  the Gmail sandbox on the stack); ``Authorization: Bearer`` names the calendar's owner; else 401, and
  403 for a token without a Calendar scope;
- ``GET calendars/{calendarId}/events`` (``primary`` or the owner's address; another's 403): a full
  sync (``timeMin``, ``showDeleted``, ``singleEvents``, ``maxResults`` up to 2500, ``pageToken``) or an
  incremental one (``syncToken``: every event changed since, cancelled ones with ``status``
  ``cancelled``; with ``timeMin``, ``timeMax``, ``q``, ``orderBy`` or ``updatedMin`` 400); the
  ``nextSyncToken`` on the last page only; a token no longer valid (``expire_sync_tokens``) is HTTP
  410 with reason ``fullSyncRequired``;
- ``POST calendars/{calendarId}/events/watch``: a channel (``id`` at most 64 characters, ``type``
  ``web_hook``, an https ``address`` or one on 127.0.0.1, ``token`` at most 256 characters, the
  requested ``expiration`` kept within ``MAX_CHANNEL_DAYS``) answered with ``resourceId``,
  ``resourceUri`` and ``expiration``; a ``sync`` notification (message number 1) follows;
- ``POST channels/stop`` (``id``, ``resourceId``): 204, or 404 for a channel not known;
- each change of a watched calendar is a notification: a bodiless POST to the channel's address with
  ``X-Goog-Channel-ID``, ``-Token``, ``-Expiration``, ``X-Goog-Resource-ID``, ``-URI``, ``-State``
  (``sync``, ``exists``) and ``X-Goog-Message-Number`` (increasing per channel). They are kept in
  ``pushes``; ``deliver`` posts them (a test replays them twice, late or out of order).

``screen.py`` is the page where a person adds an event and reads the calendars (the stack serves it)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from werkzeug.wrappers import Request, Response

from local.gmail_sandbox.accounts import CLIENT_ID, CLIENT_SECRET, PATHS, GoogleAccounts
from local.wsgi_thread import ThreadedServer

_PREFIX = "/calendar/v3/"
MAX_CHANNEL_DAYS = 7  # what the sandbox grants at most; Google sets its own limit per resource
SCOPES = "https://www.googleapis.com/auth/calendar.readonly"
_NOT_WITH_SYNC = ("timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID", "privateExtendedProperty")
__all__ = ["CLIENT_ID", "CLIENT_SECRET", "CalendarSandbox", "serve"]


class Refusal(Exception):
    def __init__(self, status: int, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def _stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Calendar:
    """One person's primary calendar: its events by id (each with the change counter it last had),
    the oldest counter a sync token may still name, and the channels watching it."""

    owner: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    floor: int = 0  # sync tokens naming a counter below this are gone (410)
    resource_id: str = field(default_factory=lambda: "rs-" + secrets.token_hex(8))


@dataclass
class Channel:
    calendar: Calendar
    id: str
    token: str
    address: str
    expiration: int
    number: int = 0


class CalendarSandbox:
    """Calendars by owner, access tokens, channels; what a test reads: ``pushes`` (each notification's
    address and headers, in the order sent) and ``calls``."""

    def __init__(self, accounts: GoogleAccounts | None = None) -> None:
        self.lock = threading.RLock()
        self.accounts = accounts or GoogleAccounts()
        self.calendars: dict[str, Calendar] = {}
        self.channels: dict[str, Channel] = {}
        self.pushes: list[tuple[str, dict[str, str]]] = []
        self.calls: list[str] = []
        self._ids = 0

    # ----- a test's side
    def connect(self, owner: str, refresh_token: str) -> Calendar:
        """Open (or find) the calendar of ``owner``, its consent given as ``refresh_token``."""
        self.accounts.grant(owner, refresh_token, SCOPES)
        with self.lock:
            return self.calendars.setdefault(owner.lower(), Calendar(owner.lower()))

    def put_event(self, owner: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or change an event (``id`` chosen when absent) in ``owner``'s calendar and notify
        its channels: the event as the API shows it."""
        with self.lock:
            calendar = self.calendars[owner.lower()]
            self._ids += 1
            event_id = str(event.get("id") or f"ev{self._ids:06d}")
            stored = (
                {
                    "kind": "calendar#event",
                    "etag": f'"{self._ids}"',
                    "status": "confirmed",
                    "organizer": {"email": calendar.owner, "self": True},
                    "created": _stamp(),
                }
                | calendar.events.get(event_id, {})
                | event
            )
            stored |= {
                "id": event_id,
                "updated": _stamp(),
                "iCalUID": f"{event_id}@google.com",
                "htmlLink": html_link(event_id, calendar.owner),
            }
            calendar.events[event_id] = stored
            self._changed(calendar, event_id)
            return dict(stored)

    def cancel_event(self, owner: str, event_id: str) -> None:
        """The event is deleted: listed as ``cancelled`` to an incremental sync, its channels notified."""
        with self.lock:
            calendar = self.calendars[owner.lower()]
            calendar.events[event_id] |= {"status": "cancelled", "updated": _stamp()}
            self._changed(calendar, event_id)

    def expire_sync_tokens(self, owner: str) -> None:
        """Every sync token given so far is no longer valid: an incremental sync from one answers 410."""
        with self.lock:
            calendar = self.calendars[owner.lower()]
            calendar.floor = calendar.counter + 1

    def deliver(self, push: tuple[str, dict[str, str]], post: Callable[..., Any] = requests.post) -> int:
        """Post one notification as Google sends it (an empty body); the status answered."""
        address, headers = push
        return int(post(address, data=b"", headers=headers, timeout=30).status_code)

    # ----- the calendar
    def _changed(self, calendar: Calendar, event_id: str) -> None:
        calendar.counter += 1
        calendar.changed[event_id] = calendar.counter
        for channel in list(self.channels.values()):
            if channel.calendar is calendar:
                self._notify(channel, "exists")

    def _notify(self, channel: Channel, state: str) -> None:
        channel.number += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": time.strftime(
                "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(channel.expiration / 1000)
            ),
            "X-Goog-Resource-ID": channel.calendar.resource_id,
            "X-Goog-Resource-URI": _uri(channel.calendar),
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.number),
        }
        if channel.token:
            headers["X-Goog-Channel-Token"] = channel.token
        self.pushes.append((channel.address, headers))

    def _sync_token(self, calendar: Calendar) -> str:
        return base64.urlsafe_b64encode(f"{calendar.owner}\n{calendar.counter}".encode()).decode()

    def _since(self, calendar: Calendar, token: str) -> int:
        try:
            owner, _, counter = base64.urlsafe_b64decode(token.encode()).decode().partition("\n")
            since = int(counter)
        except (ValueError, UnicodeDecodeError):
            raise Refusal(400, "Invalid sync token value.") from None
        if owner != calendar.owner:
            raise Refusal(400, "Invalid sync token value.")
        if since < calendar.floor:
            raise Refusal(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired")
        return since

    # ----- HTTP
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """WSGI: each refusal as Google's JSON error (``error.errors[0].reason`` says which)."""
        if Request(environ).path in PATHS:  # Google's consent page, token and revoke endpoints
            return self.accounts(environ, start_response)
        try:
            answer, status = self._route(Request(environ))
        except Refusal as no:
            detail = {"domain": "calendar", "reason": no.reason, "message": no.message}
            answer, status = (
                {"error": {"code": no.status, "message": no.message, "errors": [detail]}},
                no.status,
            )
        reply = Response(status=204) if status == 204 else Response(json.dumps(answer), status=status)
        if status != 204:
            reply.mimetype = "application/json"
        return reply(environ, start_response)

    def _route(self, request: Request) -> tuple[dict[str, Any], int]:
        path = request.path
        if not path.startswith(_PREFIX):
            raise Refusal(400, f"not a Calendar API path: {path}")
        rest = path[len(_PREFIX) :]
        with self.lock:
            calendar = self._caller(request)
            self.calls.append(f"{request.method} {rest}")
            if (request.method, rest) == ("POST", "channels/stop"):
                return self._stop(calendar, request.get_json(silent=True) or {}), 204
            parts = rest.split("/")
            if len(parts) >= 3 and parts[0] == "calendars" and parts[2] == "events":
                if parts[1] not in ("primary", calendar.owner):
                    raise Refusal(403, "Forbidden", "forbidden")
                if (request.method, parts[3:]) == ("GET", []):
                    return self._list(calendar, request.args), 200
                if (request.method, parts[3:]) == ("POST", ["watch"]):
                    return self._watch(calendar, request.get_json(silent=True) or {}), 200
            raise Refusal(400, f"the sandbox does not take {request.method} {rest}")

    def _caller(self, request: Request) -> Calendar:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        owner = self.accounts.holder(token, "https://www.googleapis.com/auth/calendar")
        if owner is None:
            raise Refusal(401, "Request had invalid authentication credentials.", "authError")
        if not owner:
            raise Refusal(403, "Request had insufficient authentication scopes.", "insufficientPermissions")
        return self.calendars.setdefault(owner, Calendar(owner))

    def _list(self, calendar: Calendar, query: Any) -> dict[str, Any]:
        size = min(int(query.get("maxResults", "250")), 2500)
        at = int(query.get("pageToken", "0") or "0")
        token = query.get("syncToken")
        if token:
            if any(query.get(name) for name in _NOT_WITH_SYNC):
                raise Refusal(400, "Sync token cannot be used with other filters.", "badRequest")
            since = self._since(calendar, token)
            ids = sorted(
                (i for i, n in calendar.changed.items() if n > since), key=calendar.changed.__getitem__
            )
            found = [calendar.events[i] for i in ids]
        else:
            deleted = query.get("showDeleted") == "true"
            after = query.get("timeMin", "")
            found = [
                e
                for e in sorted(calendar.events.values(), key=lambda e: calendar.changed[e["id"]])
                if (deleted or e["status"] != "cancelled") and (not after or _end(e) > _instant(after))
            ]
        page: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p{calendar.counter}"',
            "summary": calendar.owner,
            "updated": _stamp(),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [],
            "items": [_shown(e) for e in found[at : at + size]],
        }
        if at + size < len(found):
            page["nextPageToken"] = str(at + size)
        else:
            page["nextSyncToken"] = self._sync_token(calendar)
        return page

    def _watch(self, calendar: Calendar, body: dict[str, Any]) -> dict[str, Any]:
        channel_id, address, token = body.get("id"), body.get("address"), body.get("token", "")
        if not isinstance(channel_id, str) or not 0 < len(channel_id) <= 64:
            raise Refusal(400, "Channel id must be 1 to 64 characters.", "required")
        if body.get("type") not in ("web_hook", "webhook"):
            raise Refusal(400, "Channel type must be web_hook.", "invalid")
        if not isinstance(address, str) or not _acceptable(address):
            raise Refusal(400, "WebHook callback must be HTTPS.", "push.webhookUrlNotHttps")
        if not isinstance(token, str) or len(token) > 256:
            raise Refusal(400, "Channel token must be at most 256 characters.", "invalid")
        if channel_id in self.channels:
            raise Refusal(400, f"Channel id {channel_id} not unique", "channelIdNotUnique")
        longest = int(time.time() * 1000) + MAX_CHANNEL_DAYS * 86_400_000
        asked = int(body.get("expiration") or longest)
        channel = Channel(calendar, channel_id, token, address, min(asked, longest))
        self.channels[channel_id] = channel
        self._notify(channel, "sync")
        return {
            "kind": "api#channel",
            "id": channel_id,
            "resourceId": calendar.resource_id,
            "resourceUri": _uri(calendar),
            "token": token,
            "expiration": str(channel.expiration),
        }

    def _stop(self, calendar: Calendar, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(body.get("id", "")))
        if channel is None or channel.calendar.resource_id != body.get("resourceId"):
            raise Refusal(404, f"Channel '{body.get('id')}' not found for project", "notFound")
        if channel.calendar is not calendar:
            raise Refusal(403, "Forbidden", "forbidden")
        del self.channels[channel.id]
        return {}


def _uri(calendar: Calendar) -> str:
    return f"https://www.googleapis.com/calendar/v3/calendars/{calendar.owner}/events?alt=json"


def _acceptable(address: str) -> bool:
    """Google takes only https; the sandbox also takes 127.0.0.1, where the tests' api listens."""
    url = urlsplit(address)
    return url.scheme == "https" or (url.scheme == "http" and url.hostname == "127.0.0.1")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _end(event: dict[str, Any]) -> datetime:
    end = event.get("end", {})
    if "dateTime" in end:
        return _instant(end["dateTime"])
    return _instant(f"{end.get('date', '9999-12-31')}T00:00:00+00:00")


def html_link(event_id: str, owner: str) -> str:
    """The event's ``htmlLink`` as Google writes it: Calendar's event page, ``eid`` the event's id and
    its calendar's, space-separated, in unpadded URL-safe base64."""
    eid = base64.urlsafe_b64encode(f"{event_id} {owner}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    """An event as a list shows it: a cancelled one, to an incremental sync, only by id and status."""
    if event["status"] == "cancelled":
        return {k: event[k] for k in ("kind", "etag", "id", "status", "updated")}
    return dict(event)


def serve(sandbox: CalendarSandbox | None = None, port: int = 0) -> tuple[CalendarSandbox, ThreadedServer]:
    """The sandbox served on 127.0.0.1 from a thread (started)."""
    sandbox = sandbox or CalendarSandbox()
    return sandbox, ThreadedServer(sandbox, "calendar-sandbox", port).start()
