"""A member's waiting run, as a person does it on the stack's defaults: the owner invites an editor on the Team
screen, who joins by the link, signing in as herself on the Notion sandbox's screen; the editor starts a run in the console
on the owner's page (its home page, no row of a data source the owner chose: beyond an editor's reach); the start
form says the run waits and who may approve it (``waits`` of ``POST /runs``), the run's page says the
editor may not decide it and who does; the owner approves it in the console and the run goes on."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from shared.platform.config import Settings
from shared.runs.domain.page_links import page_link
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
SUM_UP = "Could you sum up the page?"  # a request the local model understands (docs/local-stack.md)


@pytest.mark.person_flow
def test_an_editor_s_run_on_the_owner_s_page_waits_and_goes_on_once_the_owner_approves(setup: Setup) -> None:
    page = setup.ids["home_page"]
    link = f"{setup.stack.sandbox_url}/screen/{setup.workspace}/pages/{page.replace('-', '')}"
    editor = setup.teammate_joins_on_screens("editor")
    editor.open("/#/runs")
    editor.fill("New run's goal", SUM_UP)
    editor.fill("On a page (its link or id; optional)", link)  # the page's address, as a person copies it
    editor.press("button", "Start", exact=True)
    said = editor.page.locator("#start-waits")
    expect(said).to_contain_text("It waits for an approval", timeout=LIVE_MS)
    expect(said).to_contain_text(page.replace("-", ""))
    expect(said).to_contain_text("the owner, or whoever approves reads beyond a run's reach")
    editor.press("link", "Follow the run")
    expect(editor.page.locator("#run-status")).to_contain_text(re.compile("Waiting", re.I), timeout=LIVE_MS)
    expect(
        editor.page.get_by_text(
            re.compile(r"Your role \(editor\) may not decide this request: .+ decides it")
        )
    ).to_be_visible(timeout=LIVE_MS)
    run_id = editor.page.url.rsplit("/", 1)[-1]
    assert setup.api("GET", f"/runs/{run_id}")["status"] == "waiting_for_human"

    owner = setup.tab()
    owner.open(f"/#/runs/{run_id}")
    owner.press("button", "Approve", exact=True)

    def went_on() -> dict[str, Any] | None:
        run = setup.api("GET", f"/runs/{run_id}")
        assert run["status"] not in ("failed", "cancelled"), run["summary"]
        decided = [e for e in run["events"] if e["kind"] == "human_responded"]
        return run if decided and run["status"] != "waiting_for_human" else None

    run = setup.within(went_on, "the editor's run to go on once the owner approved")
    assert [e["decision"] for e in run["events"] if e["kind"] == "human_responded"][:1] == ["approve"]
    editor.page.reload()
    expect(editor.page.locator("#run-status")).not_to_contain_text(
        re.compile("Waiting", re.I), timeout=LIVE_MS
    )


def test_the_runs_hint_says_a_mention_starts_work_only_where_its_rule_is_ticked(setup: Setup) -> None:
    """A debate or a panel starts from a mention, which starts work only where a chosen
    database's rules tick "A comment mentions the agent"; the Runs hint says so and links where."""
    c = setup.tab()
    c.open("/#/runs")
    hint = c.page.locator("#patterns-hint")
    expect(hint).to_contain_text("hold a debate, judged by owner", timeout=LIVE_MS)
    expect(hint).to_contain_text("whose rules tick “A comment mentions the agent”")
    c.press("link", "tick it in Onboarding")
    expect(c.page.get_by_role("group", name="What starts work in Ideas")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_role("checkbox", name="A comment mentions the agent").first).to_be_visible()


def test_a_page_linked_by_its_id_alone_opens_on_the_stack(setup: Setup) -> None:
    """A link built from a page id alone (a page a run never saw) went to
    www.notion.so, which cannot open on ``make stack``; it is under the stack's Notion web address."""
    web = Settings.from_env(setup.stack.env()).notion_web_base_url
    link = page_link(setup.ids["home_page"], {}, web=web)
    c = setup.tab()
    c.page.goto(link)
    expect(c.page.get_by_role("heading", level=1, name="Notion Agent home")).to_be_visible(timeout=LIVE_MS)
    assert c.page.url.startswith(f"{setup.stack.sandbox_url}/screen/{setup.workspace}/pages/")
