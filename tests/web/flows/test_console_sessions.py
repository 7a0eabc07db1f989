"""A session with an agent in a real browser, keyboard only, at a desktop's and at a phone's width, on
the web suite's stack: the owner opens a session, asks (answered with its page as a link), has the
agent open a pull request (the run's events arrive by its stream and the run asks for approval),
steers it with a follow-up (the request rejected with the words, a new run takes them), and approves
the new run's request there, bound to the change it names; the run then ends completed. Without a
stream, the session is followed by polling."""

from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Request, expect

from local.stack import by_hand
from tests.web.browser import Figures
from tests.web.workspace import LIVE_MS, Setup, index_pages, refuse_once, send_in_session, within

pytestmark = pytest.mark.e2e
PRICING, PRICING_TEXT = "Pricing decision", "We decided to price the Pro plan at twelve euros a month."
ASKED = "What did we decide about the price of the Pro plan?"
REQUEST = "Open a pull request in acme/site: add the retry notes"
STEER = "Also name the owner of the retry notes"


@pytest.fixture(scope="module")
def ready(setup: Setup) -> Setup:
    """The workspace with a page in its index, acme/site allowed and GitHub connected (by hand, as
    `make stack` prints its token)."""
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    index_pages(setup.stack, setup.workspace, tenant_id, {PRICING: PRICING_TEXT})
    setup.api("PATCH", "/settings", {"github_repositories": ["acme/site"]})
    setup.api("PUT", "/integrations/github", {"token": by_hand(setup.stack)["integration_tokens"]["github"]})
    return setup


def _run_card(page: Page) -> Any:
    return page.locator("section[data-run]")


def _streams(page: Page) -> list[str]:
    opened: list[str] = []

    def seen(request: Request) -> None:
        if request.url.split("?", 1)[0].endswith("/events"):
            opened.append(request.url.split("/api", 1)[-1] + " " + request.headers.get("accept", ""))

    page.on("request", seen)
    return opened


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_person_asks_starts_steers_and_approves_in_a_session(
    ready: Setup, figures: Figures, width: int
) -> None:
    setup = ready
    c = setup.tab(setup.context(width=width))
    page = c.page
    opened = _streams(page)
    c.open("/#/sessions")
    c.screen(f"sessions-{width}", "Sessions")
    c.press("button", "Open a session")
    agent = next(a["name"] for a in setup.api("GET", "/agents")["agents"] if a["agent_id"] == "default")
    expect(page.get_by_role("heading", level=1, name=f"Session with {agent}")).to_be_visible(timeout=LIVE_MS)
    session_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#session-live")).to_contain_text("as they happen", timeout=LIVE_MS)

    # Ask: answered from the index, its page a link, nothing started
    send_in_session(c, ASKED, "Ask")
    said = page.locator('li[data-place="1"]')
    expect(said.get_by_role("heading", name=ASKED)).to_be_visible(timeout=LIVE_MS)
    expect(said.get_by_role("link", name=PRICING)).to_be_visible(timeout=LIVE_MS)
    expect(said).to_contain_text("twelve euros a month")
    expect(_run_card(page)).to_have_count(0)

    # Run: the agent's run shows up, its events arriving by its stream, and asks for approval
    send_in_session(c, REQUEST, "Run")
    started = page.locator('li[data-place="2"]')
    expect(started).to_contain_text("Started run", timeout=LIVE_MS)
    first = setup.api("GET", f"/sessions/{session_id}")["messages"][1]["run_id"]
    card = _run_card(page)
    expect(card).to_have_attribute("data-run", first, timeout=LIVE_MS)
    expect(card.get_by_role("button", name="Approve")).to_be_visible(timeout=LIVE_MS)
    expect(card.locator("ol.timeline")).to_contain_text("Planned", timeout=LIVE_MS)
    assert any(f"/sessions/{session_id}/events text/event-stream" in o for o in opened), opened
    assert any(f"/runs/{first}/events text/event-stream" in o for o in opened), opened
    c.screen(f"session-waiting-{width}", f"Session with {agent}")

    # Steer: the request is rejected with the words; a new run, whose goal carries them, is followed
    send_in_session(c, STEER, "Steer the run")
    steered = page.locator('li[data-place="3"]')
    expect(steered).to_contain_text("rejected request", timeout=LIVE_MS)
    second = setup.api("GET", f"/sessions/{session_id}")["run_id"]
    assert second != first
    assert setup.api("GET", f"/runs/{first}")["status"] != "waiting_for_human"
    expect(card).to_have_attribute("data-run", second, timeout=LIVE_MS)
    decision = card.locator("section.decision")
    expect(decision).to_be_visible(timeout=LIVE_MS)
    waiting = within(lambda: _run(setup, second).get("waiting"), "the new run to ask")
    assert STEER in _run(setup, second)["goal"]

    # Approve, here: the decision is the run page's, bound to the request the run waits for
    expect(decision).to_have_attribute("data-request", waiting["request_id"])
    c.press("button", "Approve")
    run = within(lambda: _ended(setup, second), "the approved run to end")
    decided = [(e["request_id"], e["decision"]) for e in run["events"] if e["kind"] == "human_responded"]
    assert decided == [(waiting["request_id"], "approve")]
    assert run["status"] == "completed", run.get("summary")
    expect(card.locator("#run-status")).to_contain_text("Completed", timeout=LIVE_MS)
    expect(card.locator("ol.timeline")).to_contain_text("Finished (completed)", timeout=LIVE_MS)
    c.screen(f"session-done-{width}", f"Session with {agent}")
    if width < 600:
        wide = c.overflowing()
        figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
        assert wide == []


def _run(setup: Setup, run_id: str) -> dict[str, Any]:
    """The run as the api shows it; {} while it is being planned (404)."""
    found = requests.get(f"{setup.stack.console_url}/api/runs/{run_id}", headers=setup.auth, timeout=10)
    return dict(found.json()) if found.ok else {}


def _ended(setup: Setup, run_id: str) -> dict[str, Any] | None:
    run = _run(setup, run_id)
    return run if run.get("status") in ("completed", "failed", "cancelled") else None


def test_without_a_stream_the_session_is_followed_by_polling(ready: Setup) -> None:
    setup = ready
    made = setup.api("POST", "/sessions", {"request_id": "polled"})
    c = setup.tab(setup.context(width=1280))
    page = c.page
    page.route("**/events", lambda route: route.abort())
    c.open(f"/#/sessions/{made['session_id']}")
    expect(page.locator("#session-live")).to_contain_text("every 2 seconds", timeout=LIVE_MS)
    expect(page.get_by_text("No message yet")).to_be_visible()
    # Sent elsewhere (another tab, a script): it shows here by the next read
    body = {"text": ASKED, "act": "ask", "request_id": "from-elsewhere"}
    setup.api("POST", f"/sessions/{made['session_id']}/messages", body)
    expect(page.get_by_role("heading", level=2, name=ASKED)).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("link", name=PRICING)).to_be_visible()


def test_a_stream_refused_for_the_pace_is_opened_again(ready: Setup) -> None:
    """A session's stream answered 429 (a person's pace on ``make stack``: an EventSource never retries
    a refusal) is followed by polling meanwhile, then opened again, its messages live, without a reload."""
    setup = ready
    made = setup.api("POST", "/sessions", {"request_id": "refused-once"})
    c = setup.tab(setup.context(width=1280))
    page = c.page
    refused = refuse_once(page, f"**/sessions/{made['session_id']}/events", 5)
    c.open(f"/#/sessions/{made['session_id']}")
    live = page.locator("#session-live")
    expect(live).to_contain_text("every 2 seconds", timeout=LIVE_MS)
    expect(live).to_contain_text("as they happen", timeout=LIVE_MS)  # opened again, by itself
    assert len(refused) == 1
    body = {"text": ASKED, "act": "ask", "request_id": "after-the-refusal"}
    setup.api("POST", f"/sessions/{made['session_id']}/messages", body)
    expect(page.get_by_role("heading", level=2, name=ASKED)).to_be_visible(timeout=LIVE_MS)
