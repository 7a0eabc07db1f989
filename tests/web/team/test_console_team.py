"""The team in a real browser, keyboard only, on the whole local stack: the owner invites a teammate as
a viewer on the Team screen, which mails her the link (the code sandbox's relay); she opens the link
from that mail in her own browser and signs in through the sandbox's
Notion OAuth; what her role may not do is shown disabled with the reason; the owner removes her while
her tab is open, and her next request is refused. The tests run in order (each one flow)."""

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from local.stack import LocalStack, by_hand
from tests.web.browser import Console, Figures
from tests.web.workspace import within

pytestmark = pytest.mark.e2e
LIVE_S = 30_000
STACK_NOTIFY = "live"  # the stack fixture (conftest) starts it as make stack does: mail reaches the relay


class Visit:
    def __init__(self, owner: Console, member: Console, stack: LocalStack, workspace: str) -> None:
        self.owner, self.member, self.stack = owner, member, stack
        self.ids: dict[str, str] = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]
        # Its people's addresses (the sandbox names them after the workspace)
        self.grace, self.ada = f"grace@{workspace}.example", f"ada@{workspace}.example"
        self.link = ""


@pytest.fixture(scope="module")
def visit(stack: LocalStack, browser: Browser, figures: Figures, workspace: str) -> Iterator[Visit]:
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(15_000)
    try:
        owner, member = (Console(c.new_page(), stack.console_url, figures) for c in contexts)
        yield Visit(owner, member, stack, workspace)
    finally:
        for context in contexts:
            context.close()


def test_the_owner_invites_a_teammate_on_the_team_screen(visit: Visit) -> None:
    c = visit.owner
    c.open("/")
    c.press("button", "Connect Notion")
    expect(c.page.get_by_role("heading", level=1, name="Set up Notion Agent")).to_be_visible(timeout=LIVE_S)
    c.press("link", "Team", exact=True)
    c.screen("team-owner", "Team")
    c.fill("Their Notion email", visit.grace)
    c.choose("Their role", "viewer")
    c.press("button", "Make the invite")
    link = c.page.get_by_label("The link")
    expect(link).to_be_visible()
    visit.link = link.input_value()
    assert "#invite=namem_" in visit.link
    mail = within(lambda: _mailed(visit.stack, visit.grace), "the invite's mail")
    assert visit.link in str(mail["text"]).split(), mail  # the very link, whole, to her address
    code = visit.link.split("#invite=", 1)[1].split("&", 1)[0]
    logged = [p.name for p in visit.stack.group.log_dir.iterdir() if code in p.read_text(errors="replace")]
    assert not logged, f"the invite's code is in the logs {logged}"


def _mailed(stack: LocalStack, to: str) -> dict[str, Any] | None:
    """The mail the code sandbox's relay took for ``to``, once there is one."""
    seen = requests.get(by_hand(stack)["sent_slack_discord_email"], timeout=10).json()
    return next((m for m in seen["email"] if to in m["rcpt_tos"]), None)


def test_the_teammate_accepts_and_sees_what_her_role_may_not_do(visit: Visit) -> None:
    visit.stack.sandbox_admin("POST", "/oauth", {"user_id": visit.ids["teammate"]})
    m = visit.member
    try:
        m.page.goto(visit.link)
        expect(m.page.get_by_text("You were invited")).to_be_visible()
        m.press("button", "Connect Notion")
        expect(m.page.get_by_role("link", name="Team", exact=True)).to_be_visible(timeout=LIVE_S)
    finally:
        visit.stack.sandbox_admin("POST", "/oauth", {"user_id": None})
    m.press("link", "Team", exact=True)
    m.screen("team-viewer", "Team")
    expect(m.page.get_by_role("cell", name=visit.grace)).to_be_visible()
    expect(m.page.get_by_text("Your role (viewer) may not invite").first).to_be_visible()
    expect(m.page.get_by_role("button", name="Make the invite")).to_be_disabled()
    expect(m.page.get_by_role("button", name="Remove").first).to_be_disabled()
    expect(m.page.get_by_text("Only the owner chooses who approves what.")).to_be_visible()
    status, _ = m.api("PATCH", "/settings", {"daily_plan": False})
    assert status == 403  # what the screen says, the api holds


# Each screen's action a role may not take, with the control that stays, disabled (never missing).
REFUSED = (
    ("#/settings", "Settings", "may not change the settings", "Save settings"),
    ("#/settings", "Settings", "may not disconnect the workspace", "Disconnect the workspace"),
    ("#/integrations", "Integrations", "may not connect or disconnect GitHub", "Connect GitHub"),
    ("#/agents", "Agents", "may not make an agent", "Make the agent"),
    ("#/onboarding", "Set up Notion Agent", "may not choose what starts work", "Save and finish"),
)


def _screens_refuse(m: Console, role: str) -> None:
    m.page.reload()  # the console reads the session's role as it loads
    # Mounted before the hash changes: a change before the router listens would leave its screen up
    expect(m.page.get_by_role("heading", level=1)).to_be_visible(timeout=LIVE_S)
    for path, heading, words, button in REFUSED:
        m.open("/" + path)
        expect(m.page.get_by_role("heading", level=1, name=heading)).to_be_visible(timeout=LIVE_S)
        expect(m.page.get_by_text(f"Your role ({role}) {words}").first).to_be_visible(timeout=LIVE_S)
        expect(m.page.get_by_role("button", name=button)).to_be_disabled()
    m.open("/#/keys")
    expect(m.page.get_by_role("button", name="Make the key")).to_be_enabled(
        timeout=LIVE_S
    )  # any role makes one
    runs_scope = m.page.get_by_role("checkbox", name="Start runs")
    refusal = m.page.get_by_text(f"Your role ({role}) may not give a key a scope on runs")
    if role == "viewer":
        expect(runs_scope).to_be_disabled()
        expect(refusal).to_be_visible()
    else:
        expect(runs_scope).to_be_enabled()
        expect(refusal).to_have_count(0)
    m.open("/#/ask")  # an answer is a paid model call: an editor asks, a viewer is told why not
    expect(m.page.get_by_role("heading", level=1, name="Ask the workspace")).to_be_visible(timeout=LIVE_S)
    asking = m.page.get_by_text(f"Your role ({role}) may not ask the workspace")
    ask = m.page.get_by_role("button", name="Ask", exact=True)
    if role == "viewer":
        expect(asking).to_be_visible()
        expect(ask).to_be_disabled()
        assert m.api("POST", "/ask", {"question": "What did we decide?"})[0] == 403
    else:
        expect(asking).to_have_count(0)
        expect(ask).to_be_enabled()


def _role(visit: Visit, role: str) -> None:
    status, team = visit.owner.api("GET", "/team")
    member = next(m for m in team["members"] if m["email"] == visit.grace)
    status, _ = visit.owner.api("PATCH", f"/team/members/{member['member_id']}", {"role": role})
    assert status == 200


def test_a_viewer_and_an_editor_see_each_screen_s_actions_disabled_with_why(visit: Visit) -> None:
    _screens_refuse(visit.member, "viewer")
    _role(visit, "editor")
    _screens_refuse(visit.member, "editor")
    _role(visit, "viewer")


def test_a_viewer_and_an_editor_try_every_decision_on_a_waiting_run(visit: Visit) -> None:
    """What the browser meets when it decides: a viewer's approve, reject and answer are refused
    (403, naming the role); an editor rejects (stopping is always safe)."""
    o, m = visit.owner, visit.member
    _role(visit, "viewer")
    status, started = o.api("POST", "/runs", {"goal": "Plan it", "page_id": visit.ids["idea_newsletter"]})
    assert status == 202, started
    run = f"/runs/{started['run_id']}"
    waiting = within(lambda: o.api("GET", run)[1].get("waiting") or None, "the run waiting for a person")
    body = {"request_id": waiting["request_id"], "text": "yes"}
    for decision in ("approve", "reject", "answer"):
        status, refused = m.api("POST", f"{run}/{decision}", body)
        assert status == 403 and "your role (viewer) may not" in refused["reason"], (decision, refused)
    _role(visit, "editor")
    status, moved = m.api("POST", f"{run}/reject", {"request_id": waiting["request_id"]})
    assert status == 200, moved
    _role(visit, "viewer")


def test_removed_while_her_tab_is_open_her_next_request_is_refused(visit: Visit) -> None:
    c = visit.owner
    c.page.reload()
    row = c.page.get_by_role("row").filter(has_text=visit.grace)
    expect(row).to_be_visible()
    button = row.get_by_role("button", name="Remove")
    button.focus()
    c.page.keyboard.press("Enter")
    # One press removed her; now it asks first, focused on "Keep it"
    expect(row.get_by_role("button", name="Keep it")).to_be_focused()
    row.get_by_role("button", name="Yes, remove").press("Enter")
    expect(c.page.get_by_text(visit.grace)).to_have_count(0, timeout=LIVE_S)
    m = visit.member
    # Her tab reads its session again every 15 s (a role changed elsewhere reaches it): it may have
    # seen the removal already and left the Runs link behind; else her next request is refused.
    runs = m.page.get_by_role("link", name="Runs", exact=True)
    if runs.is_visible():
        with contextlib.suppress(PlaywrightTimeout):
            runs.click(timeout=2000)
    expect(m.page.get_by_text("no longer a member").first).to_be_visible(timeout=LIVE_S)
    assert m.api("GET", "/runs")[0] == 401


def test_the_owner_reads_the_audit_log_filtered(visit: Visit) -> None:
    c = visit.owner
    c.press("link", "Audit", exact=True)
    c.screen("audit", "Audit log")
    rows = c.page.locator("tbody tr")
    expect(rows.filter(has_text="sign_in")).to_have_count(1, timeout=LIVE_S)
    c.choose("Surface", "oauth")
    expect(rows.filter(has_text="DELETE /team/members")).to_have_count(0)
    expect(rows.filter(has_text=visit.grace)).to_have_count(1)
    c.choose("Surface", "any")
    c.fill("Action holds", "DELETE /team/members")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(visit.ada)
