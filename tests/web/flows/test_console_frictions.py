"""More of the newcomer's small frictions (docs/newcomer-frictions.md) in a real browser: the Runs screen chooses all shown runs at once
for a bulk action (M10); an Ask answered within the asker's reach says so (M11); a role changed by an
admin reaches a tab already open (M4): it says so and its controls follow the role now held. The flows
run in order, Grace's tab open through them."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def test_all_shown_runs_are_chosen_at_once(setup: Setup) -> None:
    setup.started_run("Write a note on the launch")
    setup.started_run("Write a note on the recap")
    shown = len(setup.api("GET", "/runs")["runs"])
    c = setup.tab()
    c.open("/#/runs")
    expect(c.page.locator("tbody tr")).to_have_count(shown, timeout=LIVE_MS)
    c.tick("Choose all shown runs")
    expect(c.page.get_by_text(f"{shown} chosen")).to_be_visible()
    for box in c.page.locator("tbody input[type=checkbox]").all():
        expect(box).to_be_checked()
    c.tick("Choose all shown runs", on=False)
    expect(c.page.get_by_text("0 chosen")).to_be_visible()


@pytest.fixture(scope="module")
def grace(setup: Setup) -> Console:
    """Grace, an editor, signed in in a tab of her own (kept open across this module's flows)."""
    return setup.teammate_tab("editor")


def test_an_answer_limited_to_the_askers_reach_says_so(setup: Setup, grace: Console) -> None:
    """A scoped answer did not say it was scoped. An editor's Ask searches only the data
    sources the owner chose, and her answer says so; the owner's, from the whole index, does not."""
    editor = grace
    editor.open("/#/ask")
    editor.fill("Your question", "What did we decide about the newsletter?")
    editor.press("button", "Ask", exact=True)
    answer = editor.page.locator("ol.timeline > li").last
    expect(answer).to_contain_text("Limited to what you may read", timeout=LIVE_MS)
    owner = setup.tab()
    owner.open("/#/ask")
    owner.fill("Your question", "What did we decide about the newsletter?")
    owner.press("button", "Ask", exact=True)
    expect(owner.page.locator("ol.timeline > li p.summary").last).to_be_visible(timeout=LIVE_MS)
    expect(owner.page.locator("ol.timeline")).not_to_contain_text("Limited to what you may read")


def test_a_role_changed_elsewhere_reaches_an_open_tab(setup: Setup, grace: Console) -> None:
    run_id = setup.waiting_run()
    grace.open(f"/#/runs/{run_id}")
    approve = grace.page.get_by_role("button", name="Approve")
    expect(approve).to_be_enabled(timeout=LIVE_MS)
    member = next(m for m in setup.api("GET", "/team")["members"] if m["email"].startswith("grace@"))
    setup.api("PATCH", f"/team/members/{member['member_id']}", {"role": "viewer"})
    notice = grace.page.get_by_role("status").filter(has_text="Your role changed")
    expect(notice).to_contain_text("from editor to viewer", timeout=LIVE_MS)
    expect(approve).to_be_disabled()
    expect(
        grace.page.get_by_text(re.compile(r"Your role \(viewer\) may see this run but not decide it"))
    ).to_be_visible()
