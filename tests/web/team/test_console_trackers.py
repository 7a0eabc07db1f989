"""A person flow for the trackers: on the local stack as `make stack` runs it, a
person connects Linear, GitLab and Motion on the Integrations screen with the keys `make stack`
prints, makes and edits an item on each tool's sandbox screen, and sees it reach the agent home's
Tasks on the Notion sandbox's screen; an edit there reaches each tool back. Linear's and GitLab's
changes arrive as their signed webhooks (local.hook_courier), Motion's by polling; Notion's changes go
out by the sync's scan, every 10 s on the local stack (once a minute deployed)."""

import re
import time

import pytest
from playwright.sync_api import Locator, expect

from local.stack import by_hand, trackers
from shared.platform.config import Settings
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup, connect_by_token, refuse_once

pytestmark = pytest.mark.e2e
POLL_MS = 60_000  # several of the local stack's 10 s scans (NA_SYNC_SCAN_INTERVAL_S), on a busy machine
TOOLS = ("Linear", "GitLab", "Motion")
KEY_FIELDS = {  # the Integrations form's labels, each filled with what `make stack` prints
    "Linear": {"Linear API key": "api_key", "Linear team's id": "team_id"},
    "GitLab": {
        "GitLab personal access token": "access_token",
        "GitLab project's path": "project",
        "GitLab's address (self-managed only)": "address",
    },
    "Motion": {"Motion API key": "api_key", "Motion workspace's id": "workspace_id"},
}


def _connect_by_key(c: Console, tool: str, printed: dict[str, str]) -> None:
    """Connect ``tool`` under "Use a key instead" with what `make stack` printed for it."""
    if tool != "Motion":  # Linear's and GitLab's key forms are behind "Use a key instead"
        summary = c.page.locator(f"section[aria-labelledby='{tool.lower()}-title'] summary")
        summary.focus()
        c.page.keyboard.press("Enter")
    for label, key in KEY_FIELDS[tool].items():
        c.page.get_by_label(label).fill(printed[key])
    copy = c.page.get_by_role("checkbox", name=re.compile(rf"^Also copy tasks made in .* to {tool}")).last
    expect(copy).not_to_be_checked()  # M11: off unless chosen, and said before the click
    c.press("button", f"Connect {tool} with the key")
    expect(c.page.get_by_role("heading", name=f"{tool} Connected")).to_be_visible(timeout=LIVE_MS)
    said = f"Tasks made in the other connected trackers are not copied to {tool}"
    expect(c.page.get_by_text(said, exact=False)).to_be_visible()


def _until(tab: Console, url: str, shown: str, timeout_ms: int) -> None:
    """Reload ``url`` until ``shown`` is on it (a screen that does not update itself): a row's link on
    Notion's screen, an item's title field on a tool's."""

    def found() -> Locator:
        return tab.page.get_by_role("link", name=shown, exact=True).or_(
            tab.page.get_by_label(f"Title of {shown}", exact=True)
        )

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        tab.page.goto(url)
        if found().count() or time.monotonic() > deadline:
            break
        tab.page.wait_for_timeout(2_000)
    expect(found().first).to_be_visible(timeout=1_000)


def _tool_edit(tab: Console, screen: str, title: str, new_title: str) -> None:
    """On a tool's sandbox screen, rename the item ``title`` to ``new_title``."""
    tab.page.goto(screen)
    tab.fill(f"Title of {title}", new_title)
    tab.press("button", f"Save {title}")
    expect(tab.page.get_by_role("status")).to_contain_text(f"Saved “{new_title}”")


@pytest.mark.person_flow
def test_linear_gitlab_and_motion_edits_reach_notion_and_notion_s_reach_them(setup: Setup) -> None:
    printed: dict[str, dict[str, str]] = {
        str(k): v for k, v in trackers(setup.stack).items()
    }  # what `make stack` prints
    c = setup.tab()
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="Linear Not connected")).to_be_visible(timeout=LIVE_MS)
    for tool in TOOLS:
        _connect_by_key(c, tool, printed[tool.lower()])
    c.screen("integrations-trackers-connected", "Integrations")

    t = setup.tab(setup.context(signed_in=False))
    made = {tool: f"Trackers flow: made in {tool}" for tool in TOOLS}
    for tool in TOOLS:  # a person makes an item in each tool
        t.page.goto(printed[tool.lower()]["screen"])
        expect(t.page.get_by_role("heading", level=1, name=f"{tool} sandbox")).to_be_visible()
        t.fill("New item's title", made[tool])
        t.press("button", "Create")
        expect(t.page.get_by_role("status")).to_contain_text(f"Made “{made[tool]}”")
    t.screen("tracker-sandbox-linear", "Motion sandbox")

    n = setup.tab(setup.context(signed_in=False))
    notion = f"{setup.stack.sandbox_url}/screen/{setup.workspace}/"
    for tool in TOOLS:  # each reaches the agent home's Tasks in Notion
        _until(n, notion, made[tool], POLL_MS)
    for tool in TOOLS:  # only its own tool's item: nothing is copied from one tool to another (M11)
        t.page.goto(printed[tool.lower()]["screen"])
        for other in TOOLS:
            shown = t.page.get_by_label(f"Title of {made[other]}", exact=True)
            expect(shown).to_have_count(1 if other == tool else 0)

    renamed = {tool: f"{made[tool]}, renamed there" for tool in TOOLS}
    for tool in TOOLS:  # an edit in the tool reaches the row
        _tool_edit(t, printed[tool.lower()]["screen"], made[tool], renamed[tool])
    for tool in TOOLS:
        _until(n, notion, renamed[tool], POLL_MS)

    back = {tool: f"Trackers flow: {tool}'s row renamed in Notion" for tool in TOOLS}
    for tool in TOOLS:  # an edit of the row in Notion reaches the tool
        n.page.goto(notion)
        n.press("link", renamed[tool], exact=True)
        n.page.get_by_role("textbox", name=re.compile(r"^(Name|Title|Task)$")).first.fill(back[tool])
        n.press("button", "Save properties")
        expect(n.page.get_by_role("heading", level=1, name=back[tool])).to_be_visible()
    for tool in TOOLS:
        _until(t, printed[tool.lower()]["screen"], back[tool], POLL_MS)
    t.screen("tracker-sandbox-edited", "Motion sandbox")


def test_back_from_linear_s_consent_page_the_integrations_screen_logs_no_error(setup: Setup) -> None:
    """L16: after Linear's OAuth return, the screen's requests all succeed and nothing is logged."""
    setup.api("DELETE", "/sync/linear")  # the flow above left it connected
    c = setup.tab()
    refused: list[str] = []
    c.page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    c.page.on("console", lambda m: refused.append(f"{m.text} at {m.location}") if m.type == "error" else None)
    sent: list[tuple[float, str]] = []  # each api request and when, as the limiter counts them
    c.page.on("request", lambda r: sent.append((time.time(), r.url)) if "/api/" in r.url else None)
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="Linear Not connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_role("heading", name="Kept in step")).to_be_visible()
    c.fill("Linear team id", str(trackers(setup.stack)["linear"]["team_id"]))
    c.press("button", "Connect with Linear")
    expect(c.page.get_by_role("heading", name="Authorize Notion Agent")).to_be_visible(timeout=LIVE_MS)
    asked = len(c.requests)
    c.press("button", "Approve")
    expect(c.page.get_by_role("heading", name="Linear Connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_role("heading", name="Kept in step")).to_be_visible()
    c.page.wait_for_timeout(3_000)  # what the screen loads after its first paint
    assert refused == [], refused  # the 404: the consent page's favicon, at the sandbox
    # The 429: the screen, the OAuth start and return, and the screen again asked more of the api
    # within seconds than a person's burst (NA_API_BURST, 40 a window by default), each tracker's
    # status twice (its card's and the sync log's): now once.
    api = [u.split("/api", 1)[1] for u in c.requests[asked:] if "/api/" in u]
    assert all(api.count(f"/sync/{tool}") == 1 for tool in ("linear", "gitlab", "motion")), api
    # Held here as well as by the stack (make stack's own limits, tests/web/conftest.py): within any
    # span of one window at production's defaults (NA_API_BURST requests in NA_API_BURST /
    # NA_API_PERSON_PER_MIN minutes), from the screen's opening to 3 s after the return, it asked at
    # most NA_API_BURST.
    fields = Settings.model_fields
    burst, per_min = fields["api_burst"].default, fields["api_person_per_min"].default
    span = burst * 60.0 / per_min
    most = max(sum(1 for t, _ in sent if at <= t < at + span) for at, _ in sent)
    assert most <= burst, (most, span, [(round(t - sent[0][0], 1), u.split("/api", 1)[1]) for t, u in sent])
    c.press("button", "Disconnect Linear")
    c.press("button", "Yes, disconnect Linear")
    expect(c.page.get_by_role("heading", name="Linear Not connected")).to_be_visible(timeout=LIVE_MS)


def test_github_and_vercel_cards_name_the_account_their_token_acts_as(setup: Setup) -> None:
    """L8: once connected, each card says whom its token acts as, as the service said."""
    tokens = by_hand(setup.stack)["integration_tokens"]
    c = setup.tab()
    titles = {"github": "GitHub", "vercel": "Vercel"}
    connect_by_token(c, tokens, titles)
    for name in titles:
        account = setup.api("GET", "/integrations")["integrations"][name]["account"]
        assert account, name
        card = c.page.locator(f"section[aria-labelledby='{name}-title']")
        expect(card).to_contain_text(f"Its token acts as {account}.")
    c.screen("integrations-accounts", "Integrations")
    for name in ("github", "vercel"):
        setup.api("DELETE", f"/integrations/{name}")


def test_a_request_refused_for_the_person_s_pace_is_waited_out_and_said(setup: Setup) -> None:
    """On make stack's pace a person opening Integrations again and again met a 429 (F5): the card it
    refused stayed an error, and a Connect refused so was lost. The console says the wait, waits the
    Retry-After and sends the request once more."""
    c = setup.tab()
    refused = refuse_once(c.page, "**/api/integrations", 3)
    c.open("/#/integrations")
    # Its words, and the wait asked (another request of these tabs may be asked a longer one).
    said = c.page.get_by_role("status").filter(
        has_text=re.compile(r"Many requests at once: the console waits \d+ s, as the server asks")
    )
    expect(said).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_role("heading", name="GitHub Not connected")).to_be_visible(timeout=LIVE_MS)
    expect(said).to_have_count(0)
    expect(c.page.get_by_role("alert").filter(has_text="too many requests")).to_have_count(0)
    assert len(refused) == 1, refused
