"""The gallery in a real browser, keyboard only, on ``make stack``'s stack with its defaults (a person
flow, decision 0184): a person reads what each agent to start from does, uses one, sees it made off
with its instructions page, tries it in a dry run on a page of theirs (nothing done), turns it on and
reads its record; at a desktop's width and at a phone's, fitting the phone."""

import pytest
from playwright.sync_api import expect

from shared.agents.domain.templates import BY_ID, TEMPLATES
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
PHONE = 390


def _made(setup: Setup, template: str) -> dict[str, object]:
    [agent] = [a for a in setup.api("GET", "/agents")["agents"] if a.get("template") == template]
    return dict(agent)


@pytest.mark.person_flow
@pytest.mark.parametrize(
    ("width", "template", "database", "page_title"),
    [
        (1280, "inbox-triage", "Ideas", "Automate the newsletter"),
        (PHONE, "page-summary", "", "Write the weekly report"),
    ],
)
def test_a_person_starts_from_a_template_tries_it_turns_it_on_and_reads_its_record(
    setup: Setup, width: int, template: str, database: str, page_title: str
) -> None:
    chosen = BY_ID[template]
    tab = setup.tab(setup.context(width=width))
    tab.open("/#/gallery")
    page = tab.page
    cards = page.locator("ul.gallery > li")
    expect(cards).to_have_count(len(TEMPLATES), timeout=LIVE_MS)
    card = cards.filter(has=page.get_by_role("heading", name=chosen.name, exact=True))
    expect(card).to_contain_text(chosen.does)
    expect(card).to_contain_text(chosen.starts_words())
    expect(card).to_contain_text(chosen.reach_words())
    expect(card).to_contain_text(chosen.tools_words())
    tab.press("button", f"Use this agent: {chosen.name}")
    if database:
        databases = page.get_by_role("combobox", name="Database it works on")
        expect(databases.locator("option", has_text=database)).to_have_count(1, timeout=LIVE_MS)
        tab.choose("Database it works on", database)
    tab.press("button", f"Make {chosen.name}, off")
    expect(card.get_by_role("status").first).to_contain_text(
        f"{chosen.name} is in your workspace, off.", timeout=LIVE_MS
    )
    made = _made(setup, template)
    assert made["paused"] is True and made["instructions_page_id"]
    pages = page.get_by_role("combobox", name="Page to try it on")
    expect(pages.locator("option", has_text=page_title)).to_have_count(1, timeout=LIVE_MS)
    tab.choose("Page to try it on", page_title)
    tab.press("button", "Try it on this page")
    tried = card.get_by_role("region", name="What it would do")
    expect(tried).to_contain_text(f"Dry run on “{page_title}”: nothing was done", timeout=LIVE_MS)
    expect(tried).to_contain_text("The plan (")
    runs = setup.api("GET", f"/agents/{made['agent_id']}/runs")["runs"]
    assert runs == [] and setup.api("GET", f"/agents/{made['agent_id']}")["paused"] is True
    tab.press("button", f"Turn on {chosen.name}")
    expect(card.get_by_text(f"{chosen.name} is on.")).to_be_visible(timeout=LIVE_MS)
    record = card.get_by_role("region", name="Its record")
    expect(record.get_by_role("group", name="The last 7 days")).to_be_visible(timeout=LIVE_MS)
    expect(record).to_contain_text("No run of it ended in the last 30 days.")
    assert setup.api("GET", f"/agents/{made['agent_id']}")["paused"] is False
    tab.screen("gallery" if width != PHONE else "gallery-phone", "Gallery")
    if database:
        _a_new_row_runs_it_and_its_record_says_so(setup, tab, made, database, chosen.name)
    if width == PHONE:
        wide = tab.overflowing()
        setup.figures.phone_overflow = (setup.figures.phone_overflow or 0) + len(wide)
        assert wide == []


def _a_new_row_runs_it_and_its_record_says_so(
    setup: Setup, tab: Console, made: dict[str, object], database: str, name: str
) -> None:
    """A person adds a row to ``database`` on the Notion sandbox's screen, as in Notion: the agent
    turned on starts on it, and once its run ended the agent's record on the Agents screen counts it."""
    s = Console(setup.context(signed_in=False).new_page(), setup.stack.sandbox_url, setup.figures)
    s.open(f"/screen/{setup.workspace}/")
    s.fill(f"New row in {database}", "The printer on the third floor jams")
    s.press("button", f"Add a row to {database}")
    expect(s.page.get_by_role("status")).to_contain_text("page.created")
    s.page.close()

    def ended() -> list[dict[str, object]] | None:
        runs = setup.api("GET", f"/agents/{made['agent_id']}/runs")["runs"]
        done = [r for r in runs if r["status"] in ("completed", "failed", "cancelled")]
        return done or None

    [run] = setup.within(ended, f"{name}'s run on the new row to end")
    assert run["status"] == "completed", run
    tab.open("/#/agents")
    tab.press("button", f"Open {name}")
    seven = tab.page.get_by_role("region", name="Its record").get_by_role("group", name="The last 7 days")
    expect(seven).to_contain_text("1: 1 finished, 0 failed, 0 cancelled", timeout=LIVE_MS)
