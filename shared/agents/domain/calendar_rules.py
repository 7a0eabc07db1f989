"""Trigger rules on a person's meetings (decision 0193): "N minutes before a meeting whose title holds
these words" (prepare a brief) and "after a meeting ends" (its notes and tasks). Pure: whether a rule
is due for a meeting at a tick, and the run it names, one per agent, rule and meeting occurrence."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field

from shared.platform.domain.schema import Record

MAX_CALENDAR_RULES = 5  # per agent
MAX_LEAD_MINUTES = 240
AFTER_WITHIN = timedelta(hours=1)  # an "after" rule starts within an hour of the meeting's end


class CalendarRule(Record):
    """``before``: ``minutes`` before a meeting starts; ``after``: once it has ended. ``matching``: words
    its title must all hold (any case, whole words); empty, every meeting of the connected calendars."""

    on: Literal["before", "after"]
    minutes: Annotated[int, Field(ge=1, le=MAX_LEAD_MINUTES)] = 15
    matching: Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f]*$")] = ""

    def words(self) -> str:
        """The rule as a run's StartedBy shows it."""
        what = f'a meeting matching "{self.matching}"' if self.matching.strip() else "a meeting"
        return f"{self.minutes} minutes before {what}" if self.on == "before" else f"after {what} ends"


def title_matches(rule: CalendarRule, title: str) -> bool:
    """Whether every word of ``rule.matching`` is a whole word of ``title``, in any case."""
    words = re.findall(r"\w+", rule.matching.lower())
    held = set(re.findall(r"\w+", title.lower()))
    return all(w in held for w in words)


def due(rule: CalendarRule, title: str, start: datetime, end: datetime, now: datetime) -> bool:
    """Whether ``rule`` asks for a run at ``now`` for the meeting: its title matches, and ``now`` is in
    the last ``minutes`` before its start (``before``) or within ``AFTER_WITHIN`` after its end."""
    if not title_matches(rule, title):
        return False
    if rule.on == "before":
        return start - timedelta(minutes=rule.minutes) <= now < start
    return end <= now < end + AFTER_WITHIN


def calendar_run_id(agent_id: str, rule: CalendarRule, event_id: str, start: datetime) -> str:
    """The run a rule starts for a meeting's occurrence: the same at every tick and from every
    attendee's calendar, so the queue's names and the run's create-if-absent let one through. A meeting
    moved to another time is another occurrence."""
    key = f"{agent_id}\n{rule.on}\n{rule.minutes}\n{rule.matching}\n{event_id}\n{start.isoformat()}"
    return f"cal-{rule.on}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


TICK = timedelta(minutes=5)  # the calendar's tick: Cloud Scheduler's "*/5 * * * *" (terraform/scheduler.tf)


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """The tick times in [``start``, ``end``): every multiple of :data:`TICK` past the hour, in UTC."""
    floor = start.replace(second=0, microsecond=0)
    first = floor - timedelta(minutes=floor.minute % int(TICK.total_seconds() // 60))
    first = first if first >= start else first + TICK
    found, at = [], first
    while at < end:
        found.append(at)
        at += TICK
    return found


def planned_starts(
    rules: tuple[CalendarRule, ...] | list[CalendarRule],
    title: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[tuple[int, datetime]]:
    """The runs the tick would start for one meeting from ``now`` on: (the rule's index, the tick's
    time), soonest first, as ``tick`` does it: at each tick the first due rule starts its run, once.
    A rule whose window holds no tick where it is the first due starts nothing (a rule of fewer
    minutes than the tick's, or one behind an earlier rule of longer lead)."""
    windows = [
        (start - timedelta(minutes=r.minutes), start) if r.on == "before" else (end, end + AFTER_WITHIN)
        for r in rules
    ]
    if not windows:
        return []
    ticks = _ticks(max(now, min(a for a, _ in windows)), max(b for _, b in windows))
    started: dict[int, datetime] = {}
    for at in ticks:
        first = next((i for i, r in enumerate(rules) if due(r, title, start, end, at)), None)
        if first is not None and first not in started:
            started[first] = at
    return sorted(started.items(), key=lambda s: s[1])
