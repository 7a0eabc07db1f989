"""The builder's meeting rules in a real browser, keyboard only, against the whole local stack: an
admin adds "30 minutes before a meeting whose title holds board" in words, a refused number of
minutes is named beside its field with nothing stored, and the dry run over the owner's kept meetings
(seeded as the calendar's intake keeps them: the web suite's stack connects no Google Calendar) lists
the one meeting the rule would start a run for, when, with its link, and starts nothing; at 390 px the
rules and the dry run fit the screen."""

import re

import pytest
from playwright.sync_api import expect

from local.stack import PROJECT
from tests.support.calendar.stack_meetings import keep_meetings, meeting_in
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
PHONE = 390
TRY = "on the coming week's meetings"


def _seeded(setup: Setup, name: str) -> str:
    """A new agent, and the owner's calendar holding a board review and a lunch tomorrow."""
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    owner = setup.api("GET", "/team")["members"][0]["email"]
    meetings = [
        meeting_in(tenant_id, owner, "evboard", "Quarterly board review", 26),
        meeting_in(tenant_id, owner, "evlunch", "Team lunch", 27),
    ]
    keep_meetings(setup.stack.firestore_port, PROJECT, tenant_id, owner, meetings)
    made = setup.api("POST", "/agents", {"name": name, "instructions": f"{name}: brief the meeting."})
    return str(made["agent_id"])


@pytest.mark.parametrize("width", [1200, PHONE])
def test_a_meeting_rule_is_added_in_words_refused_beside_its_field_and_tried(
    setup: Setup, width: int
) -> None:
    name = f"Briefer {width}"
    agent_id = _seeded(setup, name)
    before = setup.api("GET", "/runs")["runs"]
    m = setup.tab(setup.context(width=width))
    m.open("/#/agents")
    m.press("button", f"Open {name}")
    page = m.page
    rules = page.get_by_role("region", name="Meetings", exact=True)
    expect(rules).to_contain_text(f"No meeting rule: no meeting starts {name}", timeout=LIVE_MS)
    m.choose("When a meeting starts it", "Some minutes before a meeting starts")
    m.fill("Minutes before the meeting starts", "0")
    m.fill("Words the meeting's title holds", "board")
    m.press("button", "Add this meeting rule")
    minutes = page.get_by_role("textbox", name="Minutes before the meeting starts")
    expect(minutes).to_have_attribute("aria-invalid", "true", timeout=LIVE_MS)
    expect(page.locator("#problem-meeting-minutes")).to_have_text(
        "write a whole number of minutes, from 1 to 240"
    )
    assert not setup.api("GET", f"/agents/{agent_id}").get("calendar_triggers")  # nothing stored
    m.fill("Minutes before the meeting starts", "30")
    m.press("button", "Add this meeting rule")
    said = "Rule 1: 30 minutes before a meeting whose title holds “board” starts it."
    expect(rules.get_by_text(said)).to_be_visible(timeout=LIVE_MS)
    saved = within(lambda: setup.api("GET", f"/agents/{agent_id}").get("calendar_triggers"), "the rule saved")
    assert saved == [{"on": "before", "minutes": 30, "matching": "board"}]
    m.press("button", TRY)
    found = page.get_by_role("region", name="Meetings it would start for")
    expect(found).to_contain_text("Dry run: nothing was started.", timeout=LIVE_MS)
    expect(found).to_contain_text(
        re.compile(r"of 1 connected calendar over the next 7 days; 1 run would start")
    )
    [run] = found.get_by_role("listitem").all()
    expect(run).to_contain_text("a run for “Quarterly board review”")
    expect(run).to_contain_text('by rule 1: 30 minutes before a meeting matching "board"')
    expect(run.get_by_role("link", name="Open the meeting")).to_have_attribute(
        "href", "https://www.google.com/calendar/event?eid=evboard"
    )
    expect(found).not_to_contain_text("Team lunch")
    if width == PHONE:
        m.screen("agent-meeting-rules-phone", "Agents")
        wide = m.overflowing()
        setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
        assert wide == []
    else:
        m.screen("agent-meeting-rules", "Agents")
    m.press("button", "Remove the meeting rule: 30 minutes before")
    expect(rules).to_contain_text(f"No meeting rule: no meeting starts {name}", timeout=LIVE_MS)
    within(
        lambda: not setup.api("GET", f"/agents/{agent_id}").get("calendar_triggers") or None,
        "the rule removed",
    )
    assert setup.api("GET", "/runs")["runs"] == before  # the dry run started nothing
