"""The approvals inbox in a real browser: every run waiting for a decision the
signed-in person may make, with what it asks, decided in place one by one or chosen all at once; the
nav's count badge follows each decision at once; a viewer's inbox is empty (a viewer decides nothing)."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


def waiting(setup: Setup, goals: list[str]) -> dict[str, str]:
    """Runs of ``goals`` on the newsletter idea, each waiting for an approval: run id -> its prompt."""
    page = setup.ids["idea_newsletter"]
    ids = [setup.api("POST", "/runs", {"goal": goal, "page_id": page})["run_id"] for goal in goals]

    def asked() -> dict[str, str] | None:  # a run is not found until planned
        listed = setup.api("GET", "/runs?status=waiting_for_human&limit=100")["runs"]
        found = {r["run_id"]: r["waiting"]["prompt"] for r in listed if r["run_id"] in ids}
        return found if len(found) == len(ids) else None

    return within(asked, "the runs to wait for an approval")


def test_the_inbox_lists_what_waits_decides_in_place_and_the_badge_follows(setup: Setup) -> None:
    asked = waiting(setup, ["Plan the newsletter", "Plan the launch post"])
    owner = setup.tab()
    owner.open("/#/inbox")
    page = owner.page
    badge = page.get_by_role("link", name="2 waiting for you")
    expect(badge).to_be_visible(timeout=LIVE_MS)
    cards = page.locator("ul.requests > li")
    expect(cards).to_have_count(2, timeout=LIVE_MS)
    for prompt in asked.values():
        expect(page.locator("ul.requests")).to_contain_text(prompt.strip()[:60])
    expect(cards.first).to_contain_text("An editor, an admin or the owner decides.")  # before any click
    owner.screen("inbox", "Inbox")

    launch = next(iter(asked))
    first = cards.filter(has=page.locator(f'a[href="#/runs/{launch}"]'))
    first.get_by_label("A note (optional)").fill("Fine by me")
    first.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("approved", timeout=LIVE_MS)
    expect(cards).to_have_count(1, timeout=LIVE_MS)
    # the badge follows at once, not at its next 15 s poll
    expect(page.get_by_role("link", name="1 waiting for you")).to_be_visible(timeout=5_000)
    decided = setup.api("GET", f"/runs/{launch}")
    assert decided["status"] != "waiting_for_human"
    notes = [e for e in decided["events"] if e["kind"] == "human_responded"]
    assert notes and notes[-1]["decision"] == "approve" and notes[-1]["text"] == "Fine by me"


def test_several_requests_are_chosen_all_at_once_and_rejected(setup: Setup) -> None:
    before = {r["run_id"] for r in setup.api("GET", "/inbox")["runs"]}
    asked = waiting(setup, ["Draft the recap", "Draft the agenda"])
    owner = setup.tab()
    owner.open("/#/inbox")
    page = owner.page
    expect(page.locator("ul.requests > li")).to_have_count(len(before) + 2, timeout=LIVE_MS)
    owner.tick("Select all")
    expect(page.get_by_text(f"{len(before) + 2} chosen")).to_be_visible()
    owner.press("button", "Reject chosen")
    expect(page.get_by_role("status")).to_contain_text(re.compile(": rejected"), timeout=LIVE_MS)
    expect(page.get_by_text("Nothing waits for your decision.")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("link", name=re.compile("waiting for you"))).to_have_count(0, timeout=5_000)
    for run_id in asked:
        assert setup.api("GET", f"/runs/{run_id}")["status"] == "cancelled"


def test_a_viewer_s_inbox_is_empty_while_runs_wait(setup: Setup) -> None:
    waiting(setup, ["Plan the quarterly review"])
    viewer = setup.teammate_tab("viewer")
    viewer.open("/#/inbox")
    expect(viewer.page.get_by_text("Nothing waits for your decision.")).to_be_visible(timeout=LIVE_MS)
    expect(viewer.page.get_by_role("link", name=re.compile("waiting for you"))).to_have_count(0)
    assert setup.api("GET", "/inbox")["runs"]  # the owner's is not empty
