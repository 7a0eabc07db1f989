"""Routines one can see and try in a real browser: an agent's schedule says when
it next starts a run, and "Run now" starts the routine's run at once; a double click starts one."""

import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from local.scheduler import JOBS, LocalScheduler
from local.stack import SCHEDULER_SERVICE_ACCOUNT
from shared.workspace.domain.daily import tick_of
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


def test_a_routine_shows_its_next_run_and_run_now_starts_one_run(setup: Setup) -> None:
    setup.api("PATCH", "/agents/default", {"schedules": [{"every": "daily", "hour": 9}]})
    assert setup.api("GET", "/runs?trigger=schedule")["runs"] == []
    m = setup.tab()
    m.open("/#/agents")
    m.press("button", "Open Notion Agent")
    page = m.page
    routine = page.locator("li:not(.card)").filter(has_text="every day at 09:00")
    expect(routine).to_contain_text(re.compile(r"next run \d"), timeout=LIVE_MS)
    shown = setup.api("GET", "/agents/default/routines")["routines"][0]["next_run"]
    assert shown is not None
    run_now = page.get_by_role("button", name="Run now: every day at 09:00")
    run_now.dblclick()
    expect(page.get_by_role("status").filter(has_text="Started")).to_be_visible(timeout=LIVE_MS)
    started = within(lambda: setup.api("GET", "/runs?trigger=schedule")["runs"] or None, "the routine's run")
    time.sleep(3)  # a second run, had the double click started one, would be planned by now
    assert len(setup.api("GET", "/runs?trigger=schedule")["runs"]) == len(started) == 1
    m.screen("agents-routine", "Agents")
    # The Runs list says a person started it, not the daily schedule
    m.open("/#/runs")
    row = page.get_by_role("row").filter(has_text=re.compile("routine|Notion Agent"))
    expect(row.first).to_contain_text("A person, by hand (a routine's Run now)", timeout=LIVE_MS)
    expect(row.first).not_to_contain_text("The daily schedule")


def test_the_stack_s_scheduler_fires_a_routine_due_this_hour(setup: Setup) -> None:
    """``make stack``'s scheduler calls /schedule and /sweep as Cloud Scheduler does (its token passes
    the functions' caller check) and a routine due in this hour starts its run."""
    zone = setup.api("GET", "/settings")["settings"].get("timezone") or "UTC"
    hour = tick_of(datetime.now(UTC)).astimezone(ZoneInfo(zone)).hour  # the tick: the nearest hour
    setup.api("PATCH", "/agents/default", {"schedules": [{"every": "daily", "hour": hour}]})
    scheduler = LocalScheduler(setup.stack.url, SCHEDULER_SERVICE_ACCOUNT)
    assert [scheduler.fire(job) for job in JOBS] == [200] * len(JOBS)  # Gmail watches and calendar tick too

    def routine_run() -> list[str] | None:
        found = [r["run_id"] for r in setup.api("GET", "/runs?trigger=schedule")["runs"]]
        return [r for r in found if r.startswith("routine-default-0-")] or None

    assert len(within(routine_run, "the routine's run")) == 1
    assert scheduler.fire(JOBS[0]) == 200  # a second tick in the same hour starts nothing more
    time.sleep(3)
    assert len(routine_run() or []) == 1
