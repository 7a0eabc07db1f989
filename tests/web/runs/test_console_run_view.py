"""A run shows everything: each step's tool, arguments, result, duration and
attempts; the plan still ahead while it waits; who or what started it and the agent. Hostile text
in a step shows as text."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def waiting(setup: Setup) -> str:
    return setup.waiting_run()


def test_a_waiting_run_shows_its_steps_the_plan_ahead_and_who_started_it(setup: Setup, waiting: str) -> None:
    run_id = waiting
    shown = setup.api("GET", f"/runs/{run_id}")
    assert shown["step_rows"] and shown["remaining"], shown  # the api's part, before the screen's
    first = shown["step_rows"][0]
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    page = c.page
    expect(page.get_by_role("heading", name="Steps")).to_be_visible(timeout=LIVE_MS)
    step = page.locator("li.step").first
    expect(step.get_by_role("heading")).to_contain_text(f"Step 1: {first['tool']}")
    expect(step).to_contain_text("attempt")
    expect(step).to_contain_text("took")
    expect(step.locator("summary", has_text="Arguments")).to_be_visible()
    if first["output"]:
        expect(step.locator("summary", has_text="Result")).to_be_visible()
    expect(page.get_by_role("heading", name="Still to do")).to_be_visible()
    ahead = page.locator("ol.remaining > li")
    expect(ahead).to_have_count(len(shown["remaining"]))
    expect(ahead.first).to_contain_text(shown["remaining"][0]["tool"])
    expect(page.locator(".started-by")).to_contain_text("an edit in Notion")
    expect(page.locator(".started-by")).to_contain_text("Agent")
    assert page.locator(".steps script, .steps img").count() == 0
    c.screen("run-steps", shown["title"])


def test_a_viewer_sees_the_decision_disabled_with_the_reason(setup: Setup, waiting: str) -> None:
    m = setup.teammate_tab("viewer")
    m.open(f"/#/runs/{waiting}")
    expect(m.page.get_by_text("Your role (viewer) may see this run but not decide it")).to_be_visible(
        timeout=LIVE_MS
    )
    expect(m.page.get_by_role("button", name="Approve")).to_be_disabled()
    expect(m.page.get_by_role("button", name="Reject")).to_be_disabled()
    setup.owner_may_decide(waiting, "may see this run but not decide it")


def test_several_runs_cancelled_at_once_each_with_its_outcome(setup: Setup, waiting: str) -> None:
    held, ended = waiting, setup.started_run("Bulk: a run that ends by itself")
    within(lambda: setup.api("GET", f"/runs/{ended}")["status"] == "completed" or None, "the run to end")
    c = setup.tab()
    c.open("/#/runs")
    for run_id in (held, ended):
        goal = setup.api("GET", f"/runs/{run_id}")["title"]
        c.page.get_by_label(f"Choose {goal}").first.check(timeout=LIVE_MS)
    expect(c.page.get_by_text("2 chosen")).to_be_visible()
    c.press("button", "Cancel chosen")
    results = c.page.locator("ul.bulk-results > li")
    expect(results).to_have_count(2)
    expect(results.filter(has_text=held)).to_contain_text("cancelled")
    expect(results.filter(has_text=ended)).to_contain_text("not done")
    assert setup.api("GET", f"/runs/{held}")["status"] == "cancelled"
    expect(c.page.get_by_text("0 chosen")).to_be_visible()
    took = c.page.get_by_role("row").filter(has=c.page.get_by_label("Choose Bulk: a run that ends by itself"))
    expect(took.locator('td[data-label="Took"]')).to_have_text(re.compile(r"^\d+(\.\d)? (ms|s)$|min"))


def test_an_ended_run_is_rated_not_right_with_a_reason_its_agent_keeps(setup: Setup) -> None:
    ended = setup.started_run("Rate: a run that ends by itself")
    within(lambda: setup.api("GET", f"/runs/{ended}")["status"] == "completed" or None, "the run to end")
    c = setup.tab()
    c.open(f"/#/runs/{ended}")
    form = c.page.get_by_role("form", name="Rate this run")
    expect(form).to_be_visible(timeout=LIVE_MS)
    c.press("button", "Not right")
    reason = "Too long: keep the summary to three lines."
    form.get_by_label("Why not?").fill(reason)
    c.press("button", "Send the reason")
    expect(c.page.get_by_role("status").filter(has_text="next runs on this page are told why")).to_be_visible(
        timeout=LIVE_MS
    )
    agents = setup.api("GET", "/agents")["agents"]
    kept = [r for a in agents for r in a.get("ratings", []) if r["run_id"] == ended]
    assert [(r["verdict"], r["reason"]) for r in kept] == [("bad", reason)]
    c.screen("run-rated", setup.api("GET", f"/runs/{ended}")["goal"])


def test_a_reason_given_again_is_proposed_and_the_owner_adds_it_to_the_instructions(setup: Setup) -> None:
    again = setup.started_run("Rate: another run that ends by itself")
    within(lambda: setup.api("GET", f"/runs/{again}")["status"] == "completed" or None, "the run to end")
    reason = "Too long. Keep the summary to three lines."
    rated = setup.api("POST", f"/runs/{again}/rating", {"verdict": "bad", "reason": reason})
    proposal = rated["proposal"]
    assert proposal and proposal["status"] == "open", rated  # the earlier flow's reason, given again
    agent = setup.api("GET", f"/agents/{rated['agent_id']}")
    page_id = agent["instructions_page_id"]
    assert "three lines" not in json.dumps(
        setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    )
    c = setup.tab()
    c.open("/#/agents")
    c.press("button", f"Open {agent['name']}")
    offer = c.page.get_by_role("group", name="A proposed edit of the instructions")
    expect(offer).to_contain_text(reason, timeout=LIVE_MS)
    c.screen("agent-proposal", "Agents")
    c.press("button", "Add it to the instructions")
    expect(offer).to_have_count(0, timeout=LIVE_MS)
    pages = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")["pages"]
    written = next(p for p in pages if p["id"].replace("-", "") == page_id.replace("-", ""))
    assert any("three lines" in b.get("text", "") for b in written["content"])
    decided = setup.api("GET", f"/agents/{rated['agent_id']}")["proposals"]
    assert [p["status"] for p in decided if p["proposal_id"] == proposal["proposal_id"]] == ["accepted"]
