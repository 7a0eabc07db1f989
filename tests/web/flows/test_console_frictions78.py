"""Console frictions (docs/newcomer-frictions.md), each a flow in a real browser: a run's steps closed by default (M10);
an owner's debate started as the console says, its ballot quoting each answer under its author with
its radio buttons beside them (M4); Approve disabled, with the reason, for a role the owner's
approvers do not let decide (L12); Repositories' empty state pointing to the screen that lists them
(L9); an editor's Settings naming what the agent knows by count, never "…" (L11); the onboarding
saying what is ticked (L1) and, on a first setup, offering the browser's time zone (L15); focus kept
after a keyboard decision in the Inbox (L6); the Team table fitting 390 px (L5, its table)."""

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from local.demo import READY, wait_for
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e

DEBATE_S = 120.0  # two rounds of two children, then the settle step, through the Cloud Tasks emulator


@pytest.fixture(scope="module")
def waiting(setup: Setup) -> str:
    """A run of the Ideas rule waiting for an approval (one at a time on its page)."""
    return setup.waiting_run()


@pytest.fixture(scope="module")
def grace(setup: Setup) -> Console:
    """Grace, an editor, signed in in a tab of her own."""
    return setup.teammate_tab("editor")


def test_a_run_s_steps_show_their_arguments_and_results_only_when_opened(setup: Setup, waiting: str) -> None:
    """M10: every step's arguments and result were open, making a code run's page 17,000 px tall."""
    run_id = waiting
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    steps = c.page.locator("li.step")
    expect(steps.first).to_be_visible(timeout=LIVE_MS)
    details = c.page.locator("li.step details")
    expect(details.first).to_be_visible()
    assert details.count() >= 1
    for n in range(details.count()):
        assert details.nth(n).get_attribute("open") is None, f"step detail {n} open by default"
    first = details.first
    assert first.evaluate("d => d.open") is False
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")


def _verdict_run(setup: Setup) -> str:
    """An owner's debate, started on a page with the words the Runs screen gives: its id once it
    waits for the owner's verdict."""
    goal = "Hold a debate on this idea, judged by owner"
    run_id = str(setup.api("POST", "/runs", {"goal": goal, "page_id": setup.ids["idea_dashboard"]})["run_id"])

    def verdict() -> str | None:
        got = requests.get(f"{setup.stack.console_url}/api/runs/{run_id}", headers=setup.auth, timeout=30)
        if got.status_code == 404:
            return None  # not planned yet
        run: dict[str, Any] = got.json()
        assert run["status"] not in ("failed", "cancelled", "completed"), run["status"]
        waiting = run.get("waiting") or {}
        return run_id if waiting.get("purpose") == "verdict" else None

    return wait_for(verdict, "the debate to wait for the owner's verdict", DEBATE_S)


def test_the_console_says_how_to_start_a_debate_and_its_ballot_reads_as_quotes(setup: Setup) -> None:
    """M4: nothing said how to start a debate; the ballot showed raw <untrusted from=…> tags and its
    radio buttons stood apart from their answers."""
    c = setup.tab()
    c.open("/#/runs")
    hint = c.page.locator("#patterns-hint")
    expect(hint).to_contain_text("hold a debate, judged by owner")
    expect(hint).to_contain_text('hold a panel on "costs", on "risks"')
    run_id = _verdict_run(setup)
    c.open(f"/#/runs/{run_id}")
    decision = c.page.locator("section.decision")
    expect(decision.get_by_role("heading", name="Settle this debate")).to_be_visible(timeout=LIVE_MS)
    expect(decision).not_to_contain_text("<untrusted")
    expect(decision).not_to_contain_text("</untrusted>")
    quotes = decision.locator("figure.quoted")
    expect(quotes).to_have_count(2)
    expect(quotes.first.locator("figcaption")).to_have_text("participant 1 (gemini) answered:")
    expect(quotes.nth(1).locator("figcaption")).to_have_text("participant 2 (claude) answered:")
    options = decision.locator("fieldset.options label")
    expect(options).to_have_count(2)
    for n in range(2):
        label = options.nth(n)
        radio, words = label.locator("input[type=radio]").bounding_box(), label.bounding_box()
        assert radio is not None and words is not None
        assert radio["width"] < 40, f"radio {n} is {radio['width']} px wide"  # not a 16rem box of its own
        assert radio["x"] - words["x"] < 5  # at the start of its line,
        assert radio["y"] < words["y"] + 30  # on its answer's first line
    inbox = setup.tab()
    inbox.open("/#/inbox")
    expect(inbox.page.locator("li.request figure.quoted")).to_have_count(2, timeout=LIVE_MS)
    expect(inbox.page.locator("ul.requests")).not_to_contain_text("<untrusted")
    options.first.locator("input[type=radio]").check()
    decision.get_by_role("button", name="Answer").click()
    expect(c.page.locator("section.decision")).to_have_count(0, timeout=LIVE_MS)
    c.screen("debate-settled", setup.api("GET", f"/runs/{run_id}")["title"])


def test_approve_is_disabled_with_the_reason_for_a_role_the_approvers_leave_out(
    setup: Setup, grace: Console, waiting: str
) -> None:
    """L12: an editor's run page offered an enabled Approve that the api refused after the click."""
    run_id = waiting
    defaults = setup.api("GET", "/team")["approvers"]
    setup.api("PUT", "/team/approvers", defaults | {"approval": "admin", "question": "admin"})
    try:
        grace.open(f"/#/runs/{run_id}")
        said = grace.page.get_by_text(re.compile(r"Your role \(editor\) may not decide this request"))
        expect(said).to_be_visible(timeout=LIVE_MS)
        expect(said).to_contain_text("an admin or the owner decides it")
        expect(grace.page.get_by_role("button", name="Approve")).to_be_disabled()
        expect(grace.page.get_by_role("button", name="Reject")).to_be_enabled()
        setup.owner_may_decide(run_id, "may not decide this request")
    finally:
        setup.api("PUT", "/team/approvers", defaults)


def test_after_approving_by_keyboard_focus_stays_on_what_was_done(
    setup: Setup, grace: Console, waiting: str
) -> None:
    """L6: after approving by keyboard in the Inbox, the card left the page and focus fell to
    <body>; it now lands on the notice saying what was done."""
    c = setup.tab()
    c.open("/#/inbox")
    card = c.page.locator("li.request").filter(has=c.page.locator(f'a[href="#/runs/{waiting}"]'))
    approve = card.get_by_role("button", name="Approve")
    expect(approve).to_be_enabled(timeout=LIVE_MS)
    approve.focus()
    c.page.keyboard.press("Enter")
    notice = c.page.locator("ul.notice")
    expect(notice).to_contain_text("approved", timeout=LIVE_MS)
    expect(notice).to_be_focused()
    assert c.page.evaluate("document.activeElement !== document.body")


def test_at_390_px_the_team_table_fits(setup: Setup, grace: Console) -> None:
    """L5: at 390 px the Team table reached 12 px past the screen; it now stacks, each cell named."""
    c = setup.tab(setup.context(width=390))
    c.open("/#/team")
    rows = c.page.locator("table.team tbody tr")
    expect(rows).to_have_count(2, timeout=LIVE_MS)  # the owner and Grace
    assert [e for e in c.overflowing() if "team" in e or "td" in e or "select" in e] == [], c.overflowing()
    table = c.page.locator("table.team").bounding_box()
    assert table is not None and table["x"] + table["width"] <= 390, table


def test_repositories_empty_state_points_to_the_screen_that_lists_them(setup: Setup) -> None:
    """L9: it sent a person to "the GitHub integration's settings", where no repository is listed."""
    c = setup.tab()
    c.open("/#/repositories")
    empty = c.page.locator(".empty")
    expect(empty).to_contain_text("No repository is allowed yet", timeout=LIVE_MS)
    empty.get_by_role("link", name="Settings").click()
    expect(
        c.page.get_by_label(re.compile("GitHub repositories runs may open pull requests in"))
    ).to_be_visible(timeout=LIVE_MS)


def test_an_editor_s_settings_say_what_the_agent_knows_by_count(setup: Setup, grace: Console) -> None:
    """L11: an editor, who may not list the workspace's databases, read "What the agent knows: …"."""
    grace.open("/#/settings")
    said = grace.page.get_by_text(re.compile("What the agent knows"))
    expect(said).to_contain_text("1 database the owner or an admin chose", timeout=LIVE_MS)
    expect(said).not_to_contain_text("…")


def test_the_onboarding_says_what_is_ticked(setup: Setup) -> None:
    """L1: "Nothing is ticked" stood above the Ideas rule ticked and saved."""
    c = setup.tab()
    c.open("/#/onboarding")
    said = c.page.locator("#starts-work")
    expect(said).to_contain_text("Each rule ticked below starts a run", timeout=LIVE_MS)
    expect(said).not_to_contain_text("Nothing is ticked")


def test_a_first_setup_starts_in_the_browser_s_time_zone(setup: Setup) -> None:
    """L15: the time zone was UTC whatever the browser's; a workspace set up before keeps its own."""
    context = setup.browser.new_context(timezone_id="Europe/Berlin", viewport={"width": 1200, "height": 900})
    setup.contexts.append(context)
    name, value = setup.auth["Cookie"].split("=", 1)
    context.add_cookies(
        [
            {
                "name": name,
                "value": value,
                "url": setup.stack.console_url + "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    c = setup.tab(context)
    c.open("/#/onboarding")
    zone = c.page.get_by_label("Time zone")
    expect(zone).to_have_value("UTC", timeout=LIVE_MS)  # set up already (Ideas chosen): kept
    ideas = setup.ids["ideas_data_source"]
    setup.api("PATCH", "/settings", {"data_source_ids": [], "triggers": {}})
    now = setup.api("GET", "/settings")["settings"]
    assert not now["data_source_ids"] and not now.get("page_ids") and now["timezone"] == "UTC", now
    try:
        c = setup.tab(context)  # a fresh screen, reading the settings as they are now
        c.open("/#/onboarding")
        expect(c.page.get_by_label("Time zone")).to_have_value("Europe/Berlin", timeout=LIVE_MS)
        expect(c.page.locator("#starts-work")).to_contain_text("Nothing is ticked")
    finally:
        rules = [{"kind": "property_changed", "property": "Status", "to": READY}]
        setup.api("PATCH", "/settings", {"data_source_ids": [ideas], "triggers": {ideas: rules}})
