"""The local model, in a real browser on the local stack: a request on a page in plain words ("sum
up the page") is done by the local model, and one it does not understand ends the run Failed, its
page listing what the local model understands, instead of a run "Completed" having done nothing."""

import urllib.parse

import pytest
import requests
from playwright.sync_api import expect

from shared.platform.domain.offline_intents import INTENTS, NOT_UNDERSTOOD
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


def _ended(setup: Setup, goal: str) -> tuple[str, dict[str, object]]:
    page = setup.ids["idea_newsletter"]
    run_id = str(setup.api("POST", "/runs", {"goal": goal, "page_id": page})["run_id"])

    path = setup.stack.console_url + "/api/runs/" + urllib.parse.quote(run_id)

    def ended() -> dict[str, object] | None:  # a run is not found until planned
        answer = requests.get(path, headers=setup.auth, timeout=10)
        found = answer.json() if answer.status_code == 200 else None
        return found if found and found["status"] in ("completed", "failed") else None

    return run_id, within(ended, "the run to end")


def test_a_request_it_does_not_understand_ends_saying_what_it_understands(setup: Setup) -> None:
    run_id, run = _ended(setup, "translate this page into Klingon")
    assert run["status"] == "failed" and str(run["summary"]).startswith(NOT_UNDERSTOOD)
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    expect(c.page.get_by_text("Failed").first).to_be_visible(timeout=LIVE_MS)
    summary = c.page.locator(".summary").first
    expect(summary).to_contain_text(f'{NOT_UNDERSTOOD} "translate this page into Klingon"')
    listed = summary.locator("ul > li")
    on_a_page = [i for i in INTENTS if i.where == "page"]
    expect(listed).to_have_count(len(on_a_page))
    expect(listed.filter(has_text='summarise: "summarise this page"')).to_have_count(1)


def test_a_summary_asked_in_other_words_is_written_on_the_page(setup: Setup) -> None:
    _, run = _ended(setup, "Could you sum up the page?")
    assert run["status"] == "completed", run.get("summary")
    state = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    page = next(p for p in state["pages"] if p["id"] == setup.ids["idea_newsletter"])
    assert any(line["text"].startswith("Summary: ") for line in page["content"]), page["content"]
