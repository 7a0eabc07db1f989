"""The Notion sandbox's screen in a real browser, at desktop width and at 390 px:
a person edits a page and mentions the agent in a comment there, and the run it starts shows in the
console and ends; a page trashed and restored; comments by four people, one per team role."""

import re

import pytest
from playwright.sync_api import expect

from local.notion_sandbox.seed import PEOPLE
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e

WIDTHS = [pytest.param(1200, id="desktop"), pytest.param(390, id="phone")]
TASK = "Ship the landing page"  # a Tasks row: its data source is not chosen, so only a mention starts work


def screen_tab(setup: Setup, width: int) -> Console:
    """A tab on the sandbox's screen of this module's workspace (no console session needed)."""
    tab = Console(
        setup.context(signed_in=False, width=width).new_page(), setup.stack.sandbox_url, setup.figures
    )
    tab.open(f"/screen/{setup.workspace}/")
    return tab


def act_as(tab: Console, setup: Setup, name: str) -> None:
    """Choose ``name`` under "Acting as": the screen's links and forms then act as that person."""
    key, role = next((key, role) for key, _, full, role in PEOPLE if full == name)
    tab.choose("Acting as", f"{name} ({role})")
    tab.press("button", "Switch person")
    expect(tab.page).to_have_url(re.compile(rf"[?&]as={setup.ids[key]}"))


def measured(tab: Console, name: str, heading: str, width: int) -> None:
    """axe and a screenshot; at 390 px, what reaches past the screen's sides is counted."""
    tab.screen(f"{name}-{width}", heading)
    if width <= 390:
        wide = tab.overflowing()
        tab.figures.phone_overflow = (tab.figures.phone_overflow or 0) + len(wide)
        assert wide == [], wide


def open_page(tab: Console, title: str) -> None:
    tab.press("link", title, exact=True)
    expect(tab.page.get_by_role("heading", level=1, name=title)).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_edits_a_page_and_mentions_the_agent_and_the_run_ends_in_the_console(
    setup: Setup, width: int
) -> None:
    before = {r["run_id"] for r in setup.api("GET", "/runs")["runs"]}
    s = screen_tab(setup, width)
    measured(s, "sandbox-workspace", "Demo workspace", width)
    act_as(s, setup, "Ada Lovelace")
    open_page(s, TASK)
    said = f"Launch checklist written at {width} px."
    s.fill("New paragraph", said)
    s.press("button", "Add paragraph")
    expect(s.page.get_by_role("status")).to_contain_text("page.content_updated")
    blocks = s.page.get_by_role("textbox", name=re.compile(r"^Block \d+ \(paragraph\)"))
    expect(blocks.last).to_have_value(said)
    s.choose("Mention", "Notion Agent (the agent)")
    asked = f"please list what the launch still needs ({width} px)"
    s.fill("Comment", asked)
    s.press("button", "Comment")
    expect(s.page.get_by_role("status")).to_contain_text("comment.created")
    expect(s.page.get_by_text(f"@Notion Agent {asked}")).to_be_visible()
    measured(s, "sandbox-page", TASK, width)

    def started() -> str | None:
        runs = setup.api("GET", "/runs")["runs"]
        return next((str(r["run_id"]) for r in runs if r["run_id"] not in before), None)

    run_id = within(started, "the run the mention starts")
    c = setup.tab(setup.context(width=width))
    c.open(f"/#/runs/{run_id}")
    ended = c.page.get_by_text("Completed").first
    approve = c.page.get_by_role("button", name="Approve")
    expect(ended.or_(approve)).to_be_visible(timeout=LIVE_MS)
    if approve.is_visible():  # the offline model's write waits for the owner's decision
        c.press("button", "Approve")
    expect(ended).to_be_visible(timeout=LIVE_MS)
    assert setup.api("GET", f"/runs/{run_id}")["status"] == "completed"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_page_trashed_on_the_screen_is_restored_from_the_trash(setup: Setup, width: int) -> None:
    s = screen_tab(setup, width)
    act_as(s, setup, "Grace Hopper")
    title = "Archive old notes"
    open_page(s, title)
    s.press("button", "Move to trash")
    expect(s.page.get_by_role("status")).to_contain_text("page.deleted")
    expect(s.page.get_by_text("This page is in the trash")).to_be_visible()
    expect(s.page.get_by_role("button", name="Save properties")).to_have_count(0)
    measured(s, "sandbox-trashed", title, width)
    s.press("link", "Demo workspace")
    trash = s.page.locator("h2:has-text('Trash') + ul")
    expect(trash.get_by_role("link", name=title)).to_be_visible()
    s.press("link", title, exact=True)
    s.press("button", "Restore")
    expect(s.page.get_by_role("status")).to_contain_text("page.undeleted")
    expect(s.page.get_by_text("This page is in the trash")).to_have_count(0)
    state = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    page = next(p for p in state["pages"] if p["id"] == setup.ids["task_archive"])
    assert page["in_trash"] is False
    deliveries = setup.stack.sandbox_admin("GET", "/webhook/deliveries")
    kinds = [d["type"] for d in deliveries if d["entity_id"] == setup.ids["task_archive"]]
    assert kinds[-2:] == ["page.deleted", "page.undeleted"]


@pytest.mark.parametrize("width", WIDTHS)
def test_four_people_one_per_role_comment_on_a_page(setup: Setup, width: int) -> None:
    s = screen_tab(setup, width)
    title = "Send the invoices"
    for _, _, name, role in PEOPLE:
        act_as(s, setup, name)
        open_page(s, title)
        s.fill("Comment", f"{role} here at {width} px")
        s.press("button", "Comment")
        expect(s.page.get_by_role("status")).to_contain_text("comment.created")
        s.press("link", "Demo workspace")
    open_page(s, title)
    for _, _, name, role in PEOPLE:
        expect(s.page.locator("li", has_text=f"{name}: {role} here at {width} px")).to_be_visible()
    measured(s, "sandbox-comments", title, width)
    state = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    authors = {c["created_by"] for c in state["comments"] if c["text"].endswith(f"here at {width} px")}
    assert authors == {setup.ids[key] for key, *_ in PEOPLE}
