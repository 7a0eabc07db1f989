"""In a real browser on the stack's defaults: the owner sets an idea's Status to Ready for agent on
the Notion sandbox's screen and approves the run this starts on its page; a person then sets the
idea's Status back to New on that screen; the run's page offers "Undo this run",
listing what it will restore; once asked, it says what was restored and leaves the person's Status,
listed as a conflict with both values. A map's run offers "With its child runs": chosen, the
children's comments are deleted with it. At a desk's width and a phone's."""

import re

import pytest
from playwright.sync_api import expect

from local.demo import READY
from tests.web.workspace import LIVE_MS, Setup, set_on_screen

pytestmark = pytest.mark.e2e
PHONE = 390
MAP_S = 240  # a map over every Ideas row, its approvals, on a busy machine
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


MAP = 'For each row of the data source this page is in, comment "Undo me" on the row.'


def _family_ended(setup: Setup, parent: str, alone: bool = False) -> bool | None:
    """Whether the run and (unless ``alone``) every child run ended, with at least one child;
    approves what any of them waits for."""
    kin = [] if alone else setup.api("GET", f"/runs/{parent}/related")["children"]
    family = [parent, *(k["run_id"] for k in kin)]
    ended = True
    for run_id in family:
        run = setup.api("GET", f"/runs/{run_id}")
        if run["status"] == "waiting_for_human" and run["waiting"]["purpose"] == "approval":
            setup.api("POST", f"/runs/{run_id}/approve", {"request_id": run["waiting"]["request_id"]})
        ended = ended and run["status"] in {"completed", "failed", "cancelled"}
    return (ended and (alone or len(family) > 1)) or None


def test_a_run_is_undone_with_its_child_runs_when_the_person_chooses_so(setup: Setup) -> None:
    page = setup.ids["idea_dashboard"]
    parent = setup.started_run(MAP, page)
    setup.within(lambda: _family_ended(setup, parent), "the map and its children to end", timeout_s=MAP_S)
    children = setup.api("GET", f"/runs/{parent}/related")["children"]
    c = setup.tab()
    c.open(f"/#/runs/{parent}")
    undo = c.page.get_by_role("region", name="Undo this run")
    expect(undo.get_by_role("checkbox", name=re.compile("With its child runs"))).to_be_visible(
        timeout=LIVE_MS
    )
    expect(undo.locator("ul.will-restore")).not_to_contain_text("add_comment")  # the run's own: its report
    c.tick(f"With its child runs ({len(children)} it started, and the runs they started)")
    listed = undo.locator("ul.will-restore > li").filter(has_text="by child run")
    expect(listed).to_have_count(len(children), timeout=LIVE_MS)  # each child's comment
    expect(listed.first).to_contain_text("add_comment")
    c.press("button", "Undo this run")
    c.press("button", "Yes, undo them")
    # The children's rows lie beyond the map's page: the undo asks the owner for each, as any run does.
    expect(undo.get_by_role("link", name="its run")).to_be_visible(timeout=LIVE_MS)
    undo_run = setup.api("GET", f"/runs/{parent}/undo?children=true")["run_id"]
    setup.within(lambda: _family_ended(setup, undo_run, alone=True), "the undo to end", timeout_s=MAP_S)
    expect(undo.get_by_role("status")).to_contain_text("Undo completed", timeout=LIVE_MS)
    expect(undo.locator("ul.restored > li").filter(has_text="of child run")).to_have_count(len(children))
    family = setup.api("GET", f"/runs/{parent}/undo?children=true")
    assert family["status"] == "completed", family
    assert sorted(u["run_id"] for u in family["undone"] if u["tool"] == "add_comment") == sorted(
        k["run_id"] for k in children
    )
    assert {u["outcome"] for u in family["undone"]} == {"reverted"}, family["undone"]
    c.screen("run-undone-with-children", setup.api("GET", f"/runs/{parent}")["title"])

    phone = setup.tab(setup.context(width=PHONE))
    phone.open(f"/#/runs/{parent}")
    mobile = phone.page.get_by_role("region", name="Undo this run")
    mobile.get_by_role("checkbox", name=re.compile("With its child runs")).check(timeout=LIVE_MS)
    expect(mobile.get_by_role("status")).to_contain_text("Undo completed", timeout=LIVE_MS)
    assert phone.overflowing() == []
