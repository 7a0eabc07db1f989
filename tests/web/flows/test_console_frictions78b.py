"""The last console frictions (docs/newcomer-frictions.md), each a flow in a real browser on the stack as ``make stack`` runs
it (notifications into the sandboxes): every link to a Notion page opens the Notion sandbox's page
(What it wrote, the Runs row's trigger page, the start note's Progress link, the requirements'
approval) (M9); right after Approve the inbox says where the run is, not "Nothing waits" (L7); at
390 px the nav is one Menu button (L5); an invite link names its workspace and role to its holder,
and to nobody else (M7)."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
STACK_NOTIFY = "live"  # the start note is a comment on the page, as make stack sends it
PHONE = 390
SUM_UP = "Could you sum up the page?"  # a request the local model understands (docs/local-stack.md)
REQUIREMENTS = "turn a ready idea into requirements for a pull request in acme/site"
FOLLOWS_MS = 3_000  # sooner than the inbox's 5 s poll: what a person sees right after the click


def _screen(setup: Setup, page_id: str) -> str:
    """Where the sandbox's screen shows ``page_id``: what Notion's ``url`` of it is here."""
    return f"{setup.stack.sandbox_url}/screen/{setup.workspace}/pages/{page_id.replace('-', '')}"


def _title(setup: Setup, page_id: str) -> str:
    state = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    page = next(p for p in state["pages"] if p["id"] == page_id)
    return str(next(v for v in page["properties"].values() if isinstance(v, str) and v))


def _run(setup: Setup, goal: str, page_id: str, until: tuple[str, ...]) -> dict[str, Any]:
    run_id = str(setup.api("POST", "/runs", {"goal": goal, "page_id": page_id})["run_id"])

    def reached() -> dict[str, Any] | None:
        listed = {r["run_id"]: r for r in setup.api("GET", "/runs")["runs"]}
        run = listed.get(run_id)
        return run if run is not None and run["status"] in until else None

    return within(reached, f"run {run_id} to reach {until}")


def _opened(page: Page, link: Any) -> Page:
    """The tab ``link`` (target=_blank) opens, loaded."""
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    return tab


def test_what_it_wrote_its_runs_row_and_its_start_note_open_the_sandbox_s_pages(setup: Setup) -> None:
    """M9: "What it wrote", the Runs row's trigger page and the start comment's "Progress:" link went
    to www.notion.so, which cannot open on the local stack."""
    idea = setup.ids["idea_newsletter"]
    title, here = _title(setup, idea), _screen(setup, idea)
    run = _run(setup, SUM_UP, idea, ("completed",))
    c = setup.tab()
    c.open(f"/#/runs/{run['run_id']}")
    wrote = c.page.locator("h2:text('What it wrote') + ul a").first
    expect(wrote).to_have_attribute("href", here, timeout=LIVE_MS)
    page = _opened(c.page, wrote)
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()

    def noted() -> bool | None:  # the start note, as the owner sees the page in Notion
        page.reload()
        return page.locator("li", has_text="Progress:").get_by_role("link").count() > 0 or None

    within(noted, "the run's start note on its page")
    progress = page.locator("li", has_text="Progress:").get_by_role("link").first
    progress.click()  # the run's row in Runs, on the sandbox's screen
    expect(page).to_have_url(re.compile(f"/screen/{setup.workspace}/pages/"))
    trigger = page.get_by_role("textbox", name="Trigger page")
    expect(trigger).to_have_value(here)  # the row's Trigger page: the idea's page here
    page.goto(str(trigger.input_value()))
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def test_the_requirements_approval_links_the_page_it_speaks_of(setup: Setup) -> None:
    """M9: "The requirements for '…' are on the page" asked for an approval without linking the page;
    the inbox (desktop) and the run's page (390 px) now link it, and it opens the sandbox's page."""
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    idea = setup.ids["idea_dashboard"]
    title, here = _title(setup, idea), _screen(setup, idea)
    run = _run(setup, REQUIREMENTS, idea, ("waiting_for_human",))
    c = setup.tab()
    c.open("/#/inbox")
    card = c.page.locator("li.request").filter(has=c.page.locator(f'a[href="#/runs/{run["run_id"]}"]'))
    link = card.get_by_role("link", name="Open the page it speaks of")
    expect(link).to_have_attribute("href", here, timeout=LIVE_MS)
    page = _opened(c.page, link)
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.get_by_text("Requirements").first).to_be_visible()  # what the request speaks of
    phone = setup.tab(setup.context(width=PHONE))
    phone.open(f"/#/runs/{run['run_id']}")
    asked = phone.page.locator("section.decision").get_by_role("link", name="Open the page it speaks of")
    expect(asked).to_have_attribute("href", here, timeout=LIVE_MS)
    assert phone.overflowing() == []


def test_right_after_approve_the_inbox_says_where_the_run_is(setup: Setup) -> None:
    """L7: right after Approve the inbox said "Nothing waits" until a reload, while the run went on
    to its next request. It now says at once that the run goes on, then where it is: asking again
    (its card shown) or ended, without a reload."""
    waiting = setup.waiting_run()
    c = setup.tab()
    c.open("/#/inbox")
    card = c.page.locator("li.request").filter(has=c.page.locator(f'a[href="#/runs/{waiting}"]'))
    card.get_by_role("button", name="Approve").click(timeout=LIVE_MS)
    moving = c.page.locator("ul.moving").get_by_role("link")
    expect(moving).to_contain_text(
        re.compile(r"approved; it (goes on|asks you again|is now)"), timeout=FOLLOWS_MS
    )
    expect(moving).to_contain_text(re.compile(r"approved; it (asks you again|is now)"), timeout=LIVE_MS)
    run = setup.api("GET", f"/runs/{waiting}")
    if run["status"] == "waiting_for_human":  # asked again: its card, without a reload
        expect(c.page.locator(f'li.request a[href="#/runs/{waiting}"]')).to_be_visible()
        expect(c.page.get_by_text("Nothing waits for your decision.")).to_have_count(0)
    else:
        expect(moving).to_contain_text(f"it is now {run['status'].replace('_', ' ')}")


def test_at_390_px_the_nav_is_one_menu_button(setup: Setup) -> None:
    """L5: at 390 px the nav took four lines above every screen. It is one Menu button there, opening
    the links; at desktop width the links show as before, on one line."""
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/runs")
    menu = phone.page.get_by_role("button", name=re.compile("^Menu"))
    expect(menu).to_be_visible(timeout=LIVE_MS)
    expect(menu).to_have_attribute("aria-expanded", "false")
    team = phone.page.get_by_role("link", name="Team", exact=True)
    expect(team).to_be_hidden()
    header = phone.page.locator("header").bounding_box()
    assert header is not None and header["height"] <= 100, header  # two lines at most, not six
    phone.press("button", "Menu")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(team).to_be_visible()
    assert phone.overflowing() == []
    phone.press("link", "Team", exact=True)
    expect(phone.page.get_by_role("heading", level=1, name="Team")).to_be_visible(timeout=LIVE_MS)
    expect(menu).to_have_attribute("aria-expanded", "false")  # a screen chosen: the menu closes
    expect(team).to_be_hidden()
    desk = setup.tab(setup.context(width=1280))
    desk.open("/#/runs")
    expect(desk.page.get_by_role("link", name="Team", exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(desk.page.get_by_role("button", name=re.compile("^Menu"))).to_be_hidden()
    tops = desk.page.locator("nav li").evaluate_all("items => items.map(i => i.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, tops


def _invitee(setup: Setup, width: int) -> tuple[Console, str]:
    made = setup.api("POST", "/team/invites", {"email": f"grace@{setup.workspace}.example", "role": "editor"})
    tab = setup.tab(setup.context(signed_in=False, width=width))
    tab.page.goto(str(made["link"]))
    return tab, str(made["link"])


def _stranger(setup: Setup, address: str) -> Console:
    """A browser of its own, signed in nowhere, at ``address``."""
    tab = setup.tab(setup.context(signed_in=False))
    tab.page.goto(address)
    return tab


def test_an_invite_link_names_its_workspace_and_role_to_its_holder_only(setup: Setup) -> None:
    """M7: an invitee was told to "Connect your Notion workspace", neither the workspace nor the role
    named. The link's holder reads both (desktop and 390 px, and again once the link's page was closed
    and the console opened later); a person without the link, or with a code the workspace did not
    issue, reads neither."""
    name = str(setup.api("GET", "/session")["workspace_name"])
    for width in (1200, PHONE):
        tab, link = _invitee(setup, width)
        expect(tab.page.get_by_role("heading", level=1, name=f"Join {name} on Notion Agent")).to_be_visible(
            timeout=LIVE_MS
        )
        expect(tab.page.get_by_text(re.compile(f"You were invited to {name} as an editor"))).to_be_visible()
        assert tab.overflowing() == []
    later = setup.tab(tab.page.context)  # the link's page closed before Connect, the console opened again
    tab.page.close()
    later.open("/")
    expect(later.page.get_by_text(re.compile(f"You were invited to {name} as an editor"))).to_be_visible(
        timeout=LIVE_MS
    )
    expect(later.page.get_by_text("kept from the invite link you opened earlier")).to_be_visible()
    forged = link.split("#invite=", 1)[0] + "#invite=namem_" + "A" * 32 + "&" + link.split("&", 1)[1]
    for anyone in (_stranger(setup, setup.stack.console_url + "/"), _stranger(setup, forged)):
        expect(
            anyone.page.get_by_role("heading", level=1, name="Connect your Notion workspace")
        ).to_be_visible(timeout=LIVE_MS)
        expect(anyone.page.get_by_text(name)).to_have_count(0)
