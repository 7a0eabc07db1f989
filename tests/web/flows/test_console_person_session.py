"""A session with the agent as a person holds it on ``make stack``'s own stack (its defaults), at a
desktop's and a phone's width, following only the screens: the owner connects GitHub with the token
``make stack`` prints and allows ``acme/site`` in Settings, opens a session, asks (answered from the
Ideas rows onboarding chose, which the index took in, citing a page), has the agent open a pull
request (its run's events come by its stream and it asks for approval), steers it (the request
rejected with the words, a new run takes them) and approves the new run's request there; it ends
completed."""

import os
import re
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from local.code_sandbox.sandbox import SEED
from local.stack import PROJECT, by_hand
from tests.web.browser import Figures
from tests.web.workspace import LIVE_MS, Setup, connect_by_token, send_in_session

pytestmark = pytest.mark.e2e
RUN_MS = 120_000  # planned and carried out through the Cloud Tasks emulator, at make stack's pace
ASKED = "What do we draft the newsletter from?"
REQUEST = f"Open a pull request in {SEED['repository']}: add the retry notes"
STEER = "Also name the owner of the retry notes"
WIDTHS = {1280: "desktop", 390: "phone"}


@pytest.fixture(scope="module")
def ready(setup: Setup) -> Setup:
    """GitHub connected and acme/site allowed, on the screens; the Ideas rows in the index (read, as
    make demo waits for them: choosing them queued their first index)."""
    from google.cloud import firestore

    from shared.memory.adapters.firestore_passages import FirestorePassages

    c = setup.tab()
    connect_by_token(c, by_hand(setup.stack)["integration_tokens"], {"github": "GitHub"})
    c.open("/#/settings")
    c.fill(
        "GitHub repositories runs may open pull requests in (owner/name, comma separated)", SEED["repository"]
    )
    c.press("button", "Save settings")
    setup.within(lambda: setup.api("GET", "/settings")["settings"]["github_repositories"] or None, "saved")
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    state = setup.stack.sandbox_admin("GET", f"/workspaces/{setup.workspace}/state")
    rows = [p for p in state["pages"] if p["parent"].get("data_source_id") == setup.ids["ideas_data_source"]]
    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{setup.stack.firestore_port}"}):
        index = FirestorePassages(firestore.Client(project=PROJECT))
    setup.within(lambda: len(list(index.indexed_pages(tenant_id))) >= len(rows), "the Ideas rows' index", 120)
    return setup


def _session(setup: Setup, session_id: str) -> dict[str, Any]:
    found: dict[str, Any] = setup.api("GET", f"/sessions/{session_id}")
    return found


def _card(page: Page) -> Any:
    return page.locator("section[data-run]")


@pytest.mark.person_flow
@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS.values()))
def test_a_person_asks_starts_steers_and_approves_in_a_session_on_make_stack(
    width: int, ready: Setup, figures: Figures
) -> None:
    c = ready.tab(ready.context(width=width))
    setup, page = ready, c.page
    c.open("/#/sessions")
    c.press("button", "Open a session")
    expect(page.get_by_role("heading", level=1, name=re.compile("^Session with"))).to_be_visible(
        timeout=LIVE_MS
    )
    session_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#session-live")).to_contain_text("as they happen", timeout=LIVE_MS)

    send_in_session(c, ASKED, "Ask")
    said = page.locator('li[data-place="1"]')
    expect(said.get_by_role("heading", name=ASKED)).to_be_visible(timeout=RUN_MS)
    expect(said.get_by_role("link").first).to_be_visible(timeout=RUN_MS)  # a page of Ideas, cited
    assert _session(setup, session_id)["messages"][0]["cited"], "the answer cites no page"
    expect(_card(page)).to_have_count(0)

    send_in_session(c, REQUEST, "Run")
    expect(page.locator('li[data-place="2"]')).to_contain_text("Started run", timeout=RUN_MS)
    first = _session(setup, session_id)["messages"][1]["run_id"]
    card = _card(page)
    expect(card).to_have_attribute("data-run", first, timeout=LIVE_MS)
    expect(card.locator("ol.timeline")).to_contain_text("Planned", timeout=RUN_MS)
    expect(card.get_by_role("button", name="Approve")).to_be_visible(timeout=RUN_MS)

    send_in_session(c, STEER, "Steer the run")
    expect(page.locator('li[data-place="3"]')).to_contain_text("rejected request", timeout=RUN_MS)
    second = _session(setup, session_id)["run_id"]
    assert second != first
    expect(card).to_have_attribute("data-run", second, timeout=LIVE_MS)
    decision = card.locator("section.decision")
    expect(decision).to_be_visible(timeout=RUN_MS)
    waiting = setup.within(lambda: setup.api("GET", f"/runs/{second}").get("waiting"), "the new run to ask")
    assert STEER in setup.api("GET", f"/runs/{second}")["goal"]

    expect(decision).to_have_attribute("data-request", waiting["request_id"], timeout=LIVE_MS)
    c.press("button", "Approve")
    expect(card.locator("#run-status")).to_contain_text("Completed", timeout=RUN_MS)
    expect(card.locator("ol.timeline")).to_contain_text("Finished (completed)", timeout=LIVE_MS)
    run = setup.api("GET", f"/runs/{second}")
    decided = [(e["request_id"], e["decision"]) for e in run["events"] if e["kind"] == "human_responded"]
    assert decided == [(waiting["request_id"], "approve")] and run["status"] == "completed", run["summary"]
    if width < 600:
        wide = c.overflowing()
        figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
        assert wide == []
