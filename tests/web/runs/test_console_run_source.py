"""Where a run came from, on its page in a real browser at desktop and 390 px widths: a run asked by
mail and one a meeting rule started (their logs seeded into the stack's Firestore as the engine
records them: the web suite's stack connects no Gmail or Google Calendar) say so and link back to
the mail in Gmail and the event in Google Calendar; a run asked otherwise says no source."""

import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from local.stack import PROJECT
from shared.runs.domain.events import PlannedStep, RunEvent, RunFinished, RunPlanned, RunStatus
from tests.support.runs.checked_run_log import stack_run_store
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
MAIL = "https://mail.google.com/mail/#search/rfc822msgid%3Arelease-24%40acme.example"
EVENT = "https://www.google.com/calendar/event?eid=ZXZib2FyZCBhZGFAYWNtZS5leGFtcGxl"


def _log(**started: str) -> list[RunEvent]:
    at = datetime.now(UTC)
    step = PlannedStep(tool="finish", args={"summary": "done"})
    planned = RunPlanned(seq=1, at=at, goal="Brief", steps=[step], tools=["finish"], **started)
    return [planned, RunFinished(seq=2, at=at, status=RunStatus.COMPLETED, summary="Done")]


def _seeded(setup: Setup, **started: str) -> str:
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"src-{uuid.uuid4().hex[:12]}"
    assert stack_run_store(setup.stack.firestore_port, PROJECT).create_run(tenant_id, run_id, _log(**started))
    return run_id


@pytest.mark.parametrize("width", [1200, 390])
def test_a_run_says_where_it_was_asked_and_links_back(setup: Setup, width: int) -> None:
    mail = _seeded(
        setup,
        trigger="api",
        source="mail",
        source_link=MAIL,
        thread="mail:scribe@acme.example:18c0",
        rule="a mail to scribe@acme.example",
    )
    meeting = _seeded(
        setup,
        trigger="schedule",
        source="meeting",
        source_link=EVENT,
        event_type="calendar.before",
        rule='30 minutes before a meeting matching "board"',
    )
    other = _seeded(setup, trigger="api")
    shown = [
        (mail, "a mail to the agent's address", "the mail, in Gmail", MAIL),
        (meeting, "a meeting in a connected calendar", "the meeting, in Google Calendar", EVENT),
    ]
    c = setup.tab(setup.context(width=width))
    for run_id, what, words, link in shown:
        c.open(f"/#/runs/{run_id}")
        by = c.page.locator(".started-by")
        expect(by).to_contain_text(f"Started by{what}", timeout=LIVE_MS)
        expect(by.locator(".source a")).to_have_text(words)
        expect(by.locator(".source a")).to_have_attribute("href", link)
        if width == 390:
            assert c.overflowing() == []
    c.screen(f"run-source-{width}", "Brief")
    c.open(f"/#/runs/{other}")
    by = c.page.locator(".started-by")
    expect(by).to_contain_text("a call to the api", timeout=LIVE_MS)
    expect(by).not_to_contain_text("Asked in")
