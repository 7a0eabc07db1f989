"""The daily plan in the console (docs/newcomer-frictions.md, C13) in a real browser: the stack's plan
function writes today's plan page for real (its task queued as daily planning queues it), and the
Daily plan screen shows its sections, the run waiting for a decision as a link to the run, the page
in Notion; another day is chosen by its date. At desktop width and at 390 px."""

import os
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
import requests
from playwright.sync_api import expect

from shared.agents.domain.day_plan_task import DayPlanTask
from shared.platform.config import Settings
from shared.platform.topology import Queue
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


def _today_s_plan(setup: Setup) -> dict[str, Any]:
    """Today's plan, written by the stack's plan function from a task queued in its Cloud Tasks
    emulator as daily planning queues it; what ``GET /daily-plan`` answers of it."""
    from shared.bootstrap import Container

    tenant_id = setup.api("GET", "/session")["tenant_id"]
    day = datetime.now(UTC).date()  # the workspace's time zone: UTC unless chosen
    with mock.patch.dict(os.environ, setup.stack.env()):
        queue = Container(Settings.from_env(os.environ)).platform.queue
        task = DayPlanTask(tenant_id=tenant_id, day=day)
        queue.enqueue(Queue.PLAN, task, f"day-plan:{tenant_id}:{day:%Y%m%d}:{os.getpid()}")

    def kept() -> dict[str, Any] | None:
        answer = requests.get(setup.stack.console_url + "/api/daily-plan", headers=setup.auth, timeout=10)
        return answer.json() if answer.status_code == 200 else None

    return within(kept, "today's plan to be written")


@pytest.fixture(scope="module")
def written(setup: Setup) -> tuple[str, dict[str, Any]]:
    """A run waiting for the owner, and today's plan written after it: the run's id and the plan."""
    run_id = setup.waiting_run()
    return run_id, _today_s_plan(setup)


def test_the_daily_plan_shows_today_s_sections_and_the_runs_waiting_for_a_decision(
    setup: Setup, written: tuple[str, dict[str, Any]]
) -> None:
    run_id, plan = written
    assert [w["run_id"] for w in plan["waiting"]] == [run_id]
    m = setup.tab()
    m.open("/#/runs")
    m.press("link", "Daily plan")
    page = m.page
    expect(page.get_by_text(f"The plan of {plan['date']} (today)")).to_be_visible(timeout=LIVE_MS)
    for heading in ("Focus for today", "Due or overdue", "Waiting on others", "Waiting for a decision"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    decision = page.locator(".card").filter(has=page.get_by_role("heading", name="Waiting for a decision"))
    link = decision.get_by_role("link")
    expect(link).to_have_attribute("href", f"#/runs/{run_id}")
    notion = page.get_by_role("link", name="Open the page in Notion")
    expect(notion).to_have_attribute("href", str(plan["url"]))
    m.screen("daily-plan", "Daily plan")
    link.click()
    expect(page).to_have_url(f"{setup.stack.console_url}/#/runs/{run_id}", timeout=LIVE_MS)


def test_another_day_is_chosen_by_its_date_and_the_screen_fits_a_phone(
    setup: Setup, written: tuple[str, dict[str, Any]]
) -> None:
    phone = setup.tab(setup.context(width=390))
    phone.open("/#/daily-plan?date=2026-01-02")
    page = phone.page
    expect(page.get_by_text("no daily plan of 2026-01-02")).to_be_visible(timeout=LIVE_MS)
    plan = written[1]
    day = page.get_by_label("Day")
    day.fill(str(plan["date"]))
    expect(page.get_by_text(f"The plan of {plan['date']} (today)")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("heading", level=2, name="Waiting for a decision")).to_be_visible()
    assert phone.overflowing() == []
    phone.screen("daily-plan-phone", "Daily plan")
