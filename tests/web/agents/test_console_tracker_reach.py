"""The agent's reach in the connected trackers, chosen in a real browser (decisions 0116, 0121, 0122): the
agent's screen offers the connected Linear team and Motion workspace, ticking one stores it in the agent's
reach, unticking takes it out; at 390 px the same choices fit the screen and are reached by keyboard."""

import pytest
from playwright.sync_api import expect

from local.linear_sandbox.app import KEY as LINEAR_KEY
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e

PHONE = 390
LINEAR = "Linear team Engineering"
MOTION = "Motion workspace Demo team"


def _trackers(setup: Setup, agent_id: str) -> list[str]:
    return list(setup.api("GET", f"/agents/{agent_id}")["reach"].get("trackers") or [])


@pytest.fixture(scope="module")
def agent_id(setup: Setup) -> str:
    """Linear's team and Motion's workspace connected (the stack's sandboxes), and an agent made."""
    setup.api("PUT", "/sync/linear", {"api_key": LINEAR_KEY, "team_id": TEAM_ID})
    setup.api("PUT", "/sync/motion", {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID})
    return str(setup.api("POST", "/agents", {"name": "Tracker triage"})["agent_id"])


def test_the_agent_s_trackers_are_chosen_among_the_connected_ones(setup: Setup, agent_id: str) -> None:
    m = setup.tab()
    m.open("/#/agents")
    m.press("button", "Open Tracker triage")
    page = m.page
    expect(page.get_by_role("checkbox", name=LINEAR)).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("checkbox", name=MOTION)).not_to_be_checked()
    reach = page.get_by_role("group", name="Trackers it may touch")  # the builder's tools name GitLab too
    assert reach.get_by_role("checkbox", name="GitLab", exact=False).count() == 0  # GitLab is not connected
    expect(page.get_by_role("status").filter(has_text="None chosen")).to_be_visible()
    m.tick(LINEAR)
    expect(page.get_by_role("status").filter(has_text="Only these")).to_be_visible(timeout=LIVE_MS)
    assert _trackers(setup, agent_id) == [f"linear:{TEAM_ID}"]
    m.tick(MOTION)
    expect(page.get_by_role("checkbox", name=MOTION)).to_be_checked(timeout=LIVE_MS)
    assert sorted(_trackers(setup, agent_id)) == sorted([f"linear:{TEAM_ID}", f"motion:{WORKSPACE_ID}"])
    m.tick(LINEAR, on=False)
    expect(page.get_by_role("checkbox", name=LINEAR)).not_to_be_checked(timeout=LIVE_MS)
    assert _trackers(setup, agent_id) == [f"motion:{WORKSPACE_ID}"]
    m.screen("agents-tracker-reach", "Agents")


def test_at_390_px_the_choices_fit_and_are_reached_by_keyboard(setup: Setup, agent_id: str) -> None:
    setup.api("PATCH", f"/agents/{agent_id}", {"reach": {"trackers": []}})
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/agents")
    phone.press("button", "Open Tracker triage")
    expect(phone.page.get_by_role("checkbox", name=LINEAR)).to_be_visible(timeout=LIVE_MS)
    phone.tick(LINEAR)
    expect(phone.page.get_by_role("status").filter(has_text="Only these")).to_be_visible(timeout=LIVE_MS)
    assert _trackers(setup, agent_id) == [f"linear:{TEAM_ID}"]
    assert phone.overflowing() == []
    phone.screen("agents-tracker-reach-phone", "Agents")
