"""An agent's record in a real browser (decision 0170): runs made on the stack end
(one on its own, one cancelled by its owner), and the agent's page shows what GET /agents/{id}/record
says of them: runs finished, failed and cancelled, p50/p95 duration, waiting, approvals, cost per run
and week, and the 30 days' chart, at a desktop's width and at a phone's, fitting the phone; the Usage
screen forecasts the month."""

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
PHONE = 390
ENDED = {"completed", "failed", "cancelled", "rolled_back"}


def _money(usd: float) -> str:
    """As the console writes an amount (web/src/ui.tsx: money)."""
    return f"${usd:.3f}" if usd < 1 else f"${usd:.2f}"


def _ended(setup: Setup, run_id: str) -> str:
    def status() -> str | None:
        found = str(setup.api("GET", f"/runs/{run_id}")["status"])
        return found if found in ENDED else None

    return within(status, f"run {run_id} to end")


def test_an_agents_record_shows_its_ended_runs_at_a_desktops_and_a_phones_width(setup: Setup) -> None:
    done = setup.started_run("Summarise the open ideas")
    stopped = setup.started_run("Write a note on the launch")
    cancel = requests.post(
        f"{setup.stack.console_url}/api/runs/{stopped}/cancel", json={}, headers=setup.auth, timeout=30
    )
    assert cancel.status_code in (200, 409), cancel.text  # 409: it had ended already
    statuses = [_ended(setup, done), _ended(setup, stopped)]

    def recorded() -> dict[str, Any] | None:
        shown = setup.api("GET", "/agents/default/record")
        return shown if shown["windows"][0]["runs"] >= 2 else None

    record = within(recorded, "the agent's record to count both runs")
    week, month = record["windows"]
    assert week["runs"] == 2 and week["cancelled"] == statuses.count("cancelled")
    assert week["finished"] == statuses.count("completed")
    assert record["daily"][-1]["runs"] == 2

    for width, name in ((1200, "agent-record"), (PHONE, "agent-record-phone")):
        tab = setup.tab(setup.context(width=width))
        tab.open("/#/agents")
        tab.press("button", "Open Notion Agent")
        page = tab.page
        region = page.get_by_role("region", name="Its record")
        seven = region.get_by_role("group", name="The last 7 days")
        counts = f"{week['runs']}: {week['finished']} finished, {week['failed']} failed, {week['cancelled']} cancelled"
        expect(seven).to_contain_text(counts, timeout=LIVE_MS)
        expect(seven).to_contain_text(f"{_money(week['cost_per_run_usd'])} a run")
        expect(seven).to_contain_text(f"{_money(week['cost_per_week_usd'])} a week")
        expect(seven).to_contain_text(f"{week['approvals_asked']} asked, {week['approvals_refused']} refused")
        expect(region.get_by_role("group", name="The last 30 days")).to_contain_text(f"{month['runs']}: ")
        chart = region.get_by_role("img")
        expect(chart).to_be_visible()
        assert chart.locator("rect.bar:not(.over)").count() == 30
        expect(region.locator("figcaption")).to_contain_text(f"{month['runs']} runs ended")
        tab.screen(name, "Agents")
        if width == PHONE:
            wide = tab.overflowing()
            setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
            assert wide == []


def test_the_usage_screen_forecasts_the_month_and_fits_a_phone(setup: Setup) -> None:
    shown = setup.api("GET", "/usage")
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/usage")
    forecast = f"this month comes to {_money(shown['forecast_month_usd'])} of its"
    expect(phone.page.get_by_text(forecast)).to_be_visible(timeout=LIVE_MS)
    assert shown["warnings"] == [] and phone.page.locator("p.notice[role=status]").count() == 0
    phone.screen("usage-forecast-phone", "Usage")
    wide = phone.overflowing()
    setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
    assert wide == []
