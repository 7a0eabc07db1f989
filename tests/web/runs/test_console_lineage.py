"""A run's screen tells who started it and how it is related: the started-by panel
(person, rule, event, page title shown inert), search by page title, a failed run retried from its
failed step, a parallel map's children and their way back to the parent, and a viewer's controls
disabled with the reason."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from local.demo import READY
from local.stack import by_hand
from tests.web.browser import Figures
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e
HOSTILE = 'Zebra launch <img src=x onerror="window.__pwned=1">'
PHONE = 390


@pytest.fixture(scope="module")
def titled(setup: Setup) -> str:
    """A run the Ideas rule started on a page whose title holds markup: its id."""
    page = setup.ids["idea_dashboard"]
    before = {r["run_id"] for r in setup.api("GET", "/runs")["runs"]}
    setup.act("PATCH", f"pages/{page}", {"properties": {"Name": {"title": [{"text": {"content": HOSTILE}}]}}})
    for status in ("New", READY):
        setup.act("PATCH", f"pages/{page}", {"properties": {"Status": {"status": {"name": status}}}})

    def started() -> str | None:
        runs = setup.api("GET", "/runs")["runs"]
        return next((str(r["run_id"]) for r in runs if r["run_id"] not in before), None)

    return within(started, "the titled page's run")


def test_the_started_by_panel_names_the_person_the_rule_the_event_and_the_page(
    setup: Setup, titled: str, figures: Figures
) -> None:
    by = setup.api("GET", f"/runs/{titled}")["started_by"]
    assert by["page_title"] == HOSTILE and by["rule"] == f"Status → {READY}", by  # the api's part first
    assert by["event_type"] == "page.properties_updated"
    assert [p["notion_user_id"].replace("-", "") for p in by["people"]] == [
        setup.ids["owner"].replace("-", "")
    ]
    c = setup.tab()
    c.open(f"/#/runs/{titled}")
    panel = c.page.locator(".started-by")
    expect(panel).to_contain_text(f"Status → {READY}", timeout=LIVE_MS)
    expect(panel).to_contain_text("page.properties_updated")
    expect(panel.locator("dd.page .text")).to_have_text(HOSTILE)  # the title as text, never markup
    expect(panel).to_contain_text("Notion user")
    assert c.page.locator(".started-by img").count() == 0
    assert c.page.evaluate("window.__pwned") is None
    goal = setup.api("GET", f"/runs/{titled}")["title"]
    c.screen("run-started-by", goal)
    phone = setup.tab(setup.context(width=PHONE))
    phone.page.set_viewport_size({"width": PHONE, "height": 844})
    phone.open(f"/#/runs/{titled}")
    expect(phone.page.locator(".started-by dd.page .text")).to_have_text(HOSTILE, timeout=LIVE_MS)
    phone.screen("run-started-by-phone", goal)
    wide = phone.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []


def test_runs_are_found_by_their_page_title(setup: Setup, titled: str) -> None:
    other = setup.started_run("Tidy the reading list")
    found = [r["run_id"] for r in setup.api("GET", "/runs?q=zebra%20launch")["runs"]]
    assert found == [titled], found
    person = setup.ids["owner"]
    assert titled in [r["run_id"] for r in setup.api("GET", f"/runs?q={person}")["runs"]]
    c, rows = setup.searched_runs(other, "Search goals, page titles and people", "ZEBRA")
    page = c.page
    rows.first.get_by_role("link").first.click()
    expect(page.locator(".started-by dd.page .text")).to_have_text(HOSTILE, timeout=LIVE_MS)
    assert titled in page.url


def _failed_code_run(setup: Setup) -> str:
    """A run whose pull request step fails (GitHub is not connected yet), approvals given: its id."""
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    run_id = setup.started_run("Open a pull request in acme/site: add the retry notes")

    def failed() -> dict[str, Any] | None:
        run = setup.api("GET", f"/runs/{run_id}")
        if run["status"] == "waiting_for_human":
            setup.api("POST", f"/runs/{run_id}/approve", {"request_id": run["waiting"]["request_id"]})
            return None
        return run if run["status"] == "failed" else None

    run = within(failed, "the code run to fail")
    assert run["cursor"] >= 2, run  # a later step failed, the first done
    return run_id


def test_retry_on_a_failed_runs_screen_goes_on_from_its_failed_step(setup: Setup) -> None:
    run_id = _failed_code_run(setup)
    failed_at = setup.api("GET", f"/runs/{run_id}")["cursor"]
    setup.api("PUT", "/integrations/github", {"token": by_hand(setup.stack)["integration_tokens"]["github"]})
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    retry = c.page.get_by_role("button", name=f"Retry from step {failed_at}")
    expect(retry).to_be_enabled(timeout=LIVE_MS)
    c.screen("run-failed", setup.api("GET", f"/runs/{run_id}")["title"])
    status = c.page.locator("#run-status")
    expect(status).to_contain_text(re.compile("failed", re.IGNORECASE))
    retry.click()
    expect(status).not_to_contain_text(re.compile("failed", re.IGNORECASE), timeout=LIVE_MS)

    def went_on() -> dict[str, Any] | None:
        run = setup.api("GET", f"/runs/{run_id}")
        if run["status"] == "waiting_for_human":
            setup.api("POST", f"/runs/{run_id}/approve", {"request_id": run["waiting"]["request_id"]})
            return None
        return run if run["status"] in ("completed", "failed") else None

    run = within(went_on, "the retried run to end")
    assert run["status"] == "completed", run["summary"]
    kinds = [e["kind"] for e in run["events"]]
    assert kinds.count("run_retried") == 1 and kinds.count("run_planned") == 1  # the same run, one log
    before = [e for e in run["events"] if e["kind"] == "tool_result" and e["step"] < failed_at]
    assert len(before) == failed_at - 1  # the steps before the failed one ran once, not again
    expect(status).to_contain_text(re.compile("completed", re.IGNORECASE), timeout=LIVE_MS)


def test_a_parent_lists_its_children_and_each_child_links_back(setup: Setup, figures: Figures) -> None:
    parent = setup.started_run("Greet the team for each of: Ana, Bo")

    def both() -> dict[str, Any] | None:
        found: dict[str, Any] = setup.api("GET", f"/runs/{parent}/related")
        # The list and the count are two queries: children made between them are counted, not listed.
        return found if found["children_total"] == 2 and len(found["children"]) == 2 else None

    related = within(both, "the map's children")
    children = [k["run_id"] for k in related["children"]]
    assert sorted(children) == [f"{parent}-m1-0", f"{parent}-m1-1"], related  # created at once: any order
    c = setup.tab()
    c.open(f"/#/runs/{parent}")
    lineage = c.page.locator("section.lineage")
    expect(lineage.get_by_role("heading", name=re.compile(r"Runs it started \(2"))).to_be_visible(
        timeout=LIVE_MS
    )
    listed = lineage.locator("ul.children > li")
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text("a parallel map's child (step 1)")
    c.screen("run-children", setup.api("GET", f"/runs/{parent}")["title"])
    listed.first.get_by_role("link").click()
    expect(c.page.locator(".started-by")).to_contain_text("Handed over by", timeout=LIVE_MS)
    back = c.page.locator("ol.ancestors > li").first
    expect(back).to_contain_text(parent)
    assert children[0] in c.page.url
    back.get_by_role("link").click()
    expect(c.page.locator("section.lineage ul.children > li")).to_have_count(2, timeout=LIVE_MS)
    phone = setup.tab(setup.context(width=PHONE))
    phone.page.set_viewport_size({"width": PHONE, "height": 844})
    phone.open(f"/#/runs/{parent}")
    expect(phone.page.locator("section.lineage ul.children > li")).to_have_count(2, timeout=LIVE_MS)
    phone.screen("run-children-phone", setup.api("GET", f"/runs/{parent}")["title"])
    wide = phone.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []


def test_a_viewer_sees_the_runs_controls_disabled_with_the_reason(setup: Setup, titled: str) -> None:
    m = setup.teammate_tab("viewer")
    m.open(f"/#/runs/{titled}")
    expect(m.page.get_by_text("may see this run but not retry, pause, cancel or run it again")).to_be_visible(
        timeout=LIVE_MS
    )
    # The run still waits: "Run again" shows only once it ended, "Cancel run" until then
    expect(m.page.get_by_role("button", name="Run again")).to_have_count(0)
    expect(m.page.get_by_role("button", name="Cancel run")).to_be_disabled()
    described = m.page.get_by_role("button", name="Cancel run").get_attribute("aria-describedby")
    assert described == "control-refused"
    owner = setup.tab()
    owner.open(f"/#/runs/{titled}")
    expect(owner.page.get_by_role("button", name="Cancel run")).to_be_enabled(timeout=LIVE_MS)
