"""The Calendar sandbox as a person uses it on ``make stack`` (``/_sandbox/calendar/screen``): an event
added to a connected person's primary calendar (a title, a start some minutes from now, a duration,
attendees, a description) through :meth:`CalendarSandbox.put_event`, so each channel watching that
calendar is notified as Google notifies it (the stack's courier posts it to the api); and each
calendar's events, soonest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from werkzeug.wrappers import Response

from local.calendar_sandbox.app import CalendarSandbox
from local.gmail_sandbox import accounts

PATH = "/_sandbox/calendar/screen"
MAX_MINUTES = 14 * 24 * 60  # as far ahead as the api keeps meetings
MAX_ATTENDEES = 50


def _minutes(text: str, what: str, least: int) -> int:
    text = text.strip()
    if not text.isdigit() or not least <= int(text) <= MAX_MINUTES:
        raise accounts.ScreenRefusal(f"{what}: a whole number of minutes, from {least} to {MAX_MINUTES}")
    return int(text)


def event_of(form: dict[str, str], now: datetime) -> dict[str, Any]:
    """The event the form describes, as the API shows one (``summary``, ``start``/``end`` in UTC,
    ``attendees``, ``description``)."""
    title = " ".join(form.get("summary", "").split())
    if not title or len(title) > 300:
        raise accounts.ScreenRefusal("an event needs a title, at most 300 characters")
    start = now.replace(second=0, microsecond=0) + timedelta(
        minutes=_minutes(form.get("starts_in", ""), "Starts in", 0)
    )
    end = start + timedelta(minutes=_minutes(form.get("lasts", ""), "Lasts", 1))
    people = [a.strip() for a in form.get("attendees", "").replace(";", ",").split(",") if a.strip()]
    if len(people) > MAX_ATTENDEES or any("@" not in a or " " in a for a in people):
        raise accounts.ScreenRefusal(
            f"attendees: at most {MAX_ATTENDEES} email addresses, separated by commas"
        )
    event: dict[str, Any] = {
        "summary": title,
        "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": end.isoformat(), "timeZone": "UTC"},
        "attendees": [{"email": a} for a in people],
    }
    if form.get("description", "").strip():
        event["description"] = form["description"].strip()[:8000]
    return event


def _calendars(sandbox: CalendarSandbox) -> str:
    """Each calendar (a heading) and its kept events (a list named after its owner)."""
    shown = []
    with sandbox.lock:
        calendars = [
            (c.owner, [dict(e) for e in c.events.values() if e["status"] != "cancelled"])
            for c in sandbox.calendars.values()
        ]
    for owner, events in calendars:
        events.sort(key=lambda e: str(e.get("start", {}).get("dateTime", "")))
        items = "".join(
            f"<li><b>{escape(str(e.get('summary', '(no title)')))}</b>, "
            f"{escape(str(e.get('start', {}).get('dateTime', '')))} to {escape(str(e.get('end', {}).get('dateTime', '')))}"
            f"{' with ' + escape(', '.join(a['email'] for a in e.get('attendees', []))) if e.get('attendees') else ''}</li>"
            for e in events
        )
        body = f'<ul aria-label="Events of {escape(owner)}">{items}</ul>' if items else "<p>No event.</p>"
        shown.append(f"<section><h2>Calendar of {escape(owner)}</h2>{body}</section>")
    return (
        "".join(shown) or "<p>No calendar yet: each person connects theirs on the console's Integrations.</p>"
    )


def _options(sandbox: CalendarSandbox) -> str:
    """The connected calendars, as the form's choices."""
    with sandbox.lock:
        return "".join(f"<option>{escape(c.owner)}</option>" for c in sandbox.calendars.values())


def page(sandbox: CalendarSandbox, said: str = "", status: int = 200) -> Response:
    """The screen: the form, what the last change did, the calendars' events."""
    body = f"""<h1>Google Calendar (sandbox)</h1>
<p>Add an event to a connected person's calendar: Google tells the api, as it does of every change.</p>
<form method="post" action="{PATH}">
<label>Calendar <select name="calendar" required>{_options(sandbox)}</select></label>
<label>Title <input name="summary" required></label>
<label>Starts in (minutes from now) <input name="starts_in" inputmode="numeric" value="30" required></label>
<label>Lasts (minutes) <input name="lasts" inputmode="numeric" value="30" required></label>
<label>Attendees (emails, separated by commas) <input name="attendees"></label>
<label>Description <textarea name="description"></textarea></label>
<button>Add the event</button></form>
<p role="status">{escape(said)}</p>{_calendars(sandbox)}"""
    return accounts.page("Calendar sandbox", body, status)


def add(sandbox: CalendarSandbox, form: dict[str, str], now: datetime) -> str:
    """The form's event added to its calendar: what the screen says of it."""
    owner = form.get("calendar", "").strip().lower()
    with sandbox.lock:
        known = owner in sandbox.calendars
    if not known:
        raise accounts.ScreenRefusal(
            f"no calendar of {owner or '(none chosen)'}: its owner connects it on the console's Integrations first"
        )
    event = event_of(form, now)
    with sandbox.lock:  # the courier drains the notifications under the same lock
        before = len(sandbox.pushes)
        made = sandbox.put_event(owner, event)
        told = len(sandbox.pushes) - before
    return (
        f"Added “{made['summary']}” at {made['start']['dateTime']} to the calendar of {owner}; "
        f"{told} notification{'' if told == 1 else 's'} sent."
    )


def serve_screen(sandbox: CalendarSandbox, environ: dict[str, Any], start_response: Any) -> Any:
    """WSGI for :data:`PATH`: GET shows the screen, POST adds its form's event."""
    return accounts.serve_form(
        environ,
        start_response,
        lambda said, status: page(sandbox, said, status),
        lambda form: add(sandbox, form, datetime.now(UTC)),
    )
