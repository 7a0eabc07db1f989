"""The day's plan lists the day's meetings from the workspace's connected calendars (the Firestore
emulator, the Calendar sandbox): in the workspace's time zone, soonest first, one meeting in two
attendees' calendars once, other days' meetings and a workspace without calendars' none."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.services.day_plan_page import write_day_plan
from shared.calendar.services.connect import connect_calendar
from shared.calendar.services.triggers import day_meetings
from shared.notify.domain.notify_task import NotifyTask
from tests.support.agents.daily_planning import deps_with, queued, tenant
from tests.support.calendar.calendar_world import EDITOR, OWNER, REFRESH, calendar_world
from tests.support.calendar.events import meeting
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion

__all__ = ["calendar_world"]
PARIS = ZoneInfo("Europe/Paris")


def _plan(world: dict[str, Any], day: date, with_calendars: bool = True) -> str:
    notion = FakeNotion()
    notion.sources["ds-tasks"] = {"properties": {"Name": {"name": "Name", "type": "title"}}}
    deps = deps_with(tenant("t1", "Europe/Paris", 8))._replace(notion_for=make_deps(notion=notion).notion_for)
    links = world["intake"].links
    meetings = (lambda t, a, b: day_meetings(links, t, a, b)) if with_calendars else None
    assert write_day_plan(DayPlanTask(tenant_id="t1", day=day), deps, meetings) == "notified"
    [note] = [b for _, b, _, _ in queued(deps).tasks if isinstance(b, NotifyTask)]
    return note.text


def test_the_day_plan_lists_the_days_meetings_once_in_local_time(calendar_world: dict[str, Any]) -> None:
    world, sandbox = calendar_world, calendar_world["sandbox"]
    sandbox.connect(EDITOR, "1//sandbox-refresh-bo-calendar")
    day = datetime.now(PARIS).date() + timedelta(days=1)
    nine = datetime.combine(day, time(9), PARIS).astimezone(UTC)
    shared = meeting("Pricing *review*", nine + timedelta(hours=5), attendees=(EDITOR,)) | {"id": "evshared"}
    for person in (OWNER, EDITOR):  # one meeting, in both attendees' calendars
        sandbox.put_event(person, shared)
    sandbox.put_event(OWNER, meeting("Standup", nine, minutes=15))
    sandbox.put_event(OWNER, meeting("Tomorrow's retro", nine + timedelta(days=1)))
    connect_calendar(OWNER, "t1", "u-ada", REFRESH, world["intake"])
    connect_calendar(EDITOR, "t1", "u-bo", "1//sandbox-refresh-bo-calendar", world["intake"])
    text = _plan(world, day)
    section = text.split("## Meetings")[1].split("##")[0].strip().splitlines()
    assert section == ["- 09:00-09:15 Standup", "- 14:00-14:30 Pricing \\*review\\*"]
    assert "## Meetings" not in _plan(world, day, with_calendars=False)
