"""In a real browser on the stack's defaults: the owner sets an idea's Status to Ready for agent on
the Notion sandbox's screen and approves the run this starts on its page; a person then sets the
idea's Status back to New on that screen; the run's page offers "Undo this run",
listing what it will restore; once asked, it says what was restored and leaves the person's Status,
listed as a conflict with both values. At a desk's width and a phone's."""

import re

import pytest
from playwright.sync_api import expect

from local.demo import READY
from tests.web.workspace import LIVE_MS, Setup, set_on_screen

pytestmark = pytest.mark.e2e
PHONE = 390
IDEA = "Automate the newsletter"  # a row of Ideas, New in the demo's workspace


@pytest.mark.person_flow
def test_the_owner_undoes_a_run_from_its_page_and_a_persons_change_is_left(setup: Setup) -> None:
    run_id = setup.waiting_run(lambda: set_on_screen(setup, IDEA, {"Status": READY}))
    owner = setup.tab()
    owner.open(f"/#/runs/{run_id}")
    owner.press("button", "Approve")
    setup.within(
        lambda: setup.api("GET", f"/runs/{run_id}")["status"] == "completed" or None, "the run to end"
    )
    set_on_screen(setup, IDEA, {"Status": "New"})

    owner.open(f"/#/runs/{run_id}")
    undo = owner.page.get_by_role("region", name="Undo this run")
    offered = undo.locator("ul.will-restore > li")
    expect(offered.first).to_be_visible(timeout=LIVE_MS)
    expect(undo.locator("ul.will-restore")).to_contain_text("update_properties")
    expect(undo.locator("ul.will-restore")).to_contain_text("create_page")
    owner.press("button", "Undo this run")
    owner.press("button", "Yes, undo them")
    expect(undo.get_by_role("status")).to_contain_text("Undo completed", timeout=LIVE_MS)
    expect(undo.locator("ul.restored")).to_contain_text("create_page")
    conflict = undo.locator("ul.conflicts > li")
    expect(conflict).to_contain_text(re.compile(r"The run wrote .*Status: .*; it now holds .*Status: New"))
    owner.screen("run-undone", owner.page.get_by_role("heading", level=1).inner_text())
    status = setup.api("GET", f"/runs/{run_id}/undo")
    assert status["status"] == "completed" and {u["outcome"] for u in status["undone"]} >= {
        "reverted",
        "conflict",
    }

    phone = setup.tab(setup.context(width=PHONE))
    phone.open(f"/#/runs/{run_id}")
    expect(phone.page.get_by_role("region", name="Undo this run").locator("ul.conflicts")).to_be_visible(
        timeout=LIVE_MS
    )
    assert phone.overflowing() == []
