"""The team in a real browser, keyboard only, on the whole local stack: the owner invites a teammate as
a viewer on the Team screen, which mails her the link (the code sandbox's relay); she opens the link
from that mail in her own browser and signs in through the sandbox's
Notion OAuth; what her role may not do is shown disabled with the reason; the owner removes her while
her tab is open, and her next request is refused. The tests run in order (each one flow)."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from local.stack import LocalStack, by_hand
from tests.web.browser import Console, Figures
from tests.web.workspace import within

pytestmark = pytest.mark.e2e
LIVE_S = 30_000
STACK_NOTIFY = "live"  # the stack fixture (conftest) starts it as make stack does: mail reaches the relay


class Visit:
    def __init__(self, owner: Console, member: Console, stack: LocalStack) -> None:
        self.owner, self.member, self.stack = owner, member, stack
        self.ids: dict[str, str] = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]
        self.link = ""


@pytest.fixture(scope="module")
def visit(stack: LocalStack, browser: Browser, figures: Figures) -> Iterator[Visit]:
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(15_000)
    try:
        owner, member = (Console(c.new_page(), stack.console_url, figures) for c in contexts)
        yield Visit(owner, member, stack)
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
    c.fill("Their Notion email", "grace@demo.example")
    c.choose("Their role", "viewer")
    c.press("button", "Make the invite")
    link = c.page.get_by_label("The link")
    expect(link).to_be_visible()
    visit.link = link.input_value()
    assert "#invite=namem_" in visit.link
    mail = within(lambda: _mailed(visit.stack, "grace@demo.example"), "the invite's mail")
    assert visit.link in str(mail["text"]).split(), mail  # the very link, whole, to her address
    code = visit.link.rsplit("=", 1)[1]
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
    expect(m.page.get_by_role("cell", name="grace@demo.example")).to_be_visible()
    expect(m.page.get_by_text("Your role (viewer) may not invite").first).to_be_visible()
    expect(m.page.get_by_role("button", name="Make the invite")).to_be_disabled()
    expect(m.page.get_by_role("button", name="Remove").first).to_be_disabled()
    expect(m.page.get_by_text("Only the owner chooses who approves what.")).to_be_visible()
    status, _ = m.api("PATCH", "/settings", {"daily_plan": False})
    assert status == 403  # what the screen says, the api holds


def test_removed_while_her_tab_is_open_her_next_request_is_refused(visit: Visit) -> None:
    c = visit.owner
    c.page.reload()
    row = c.page.get_by_role("row").filter(has_text="grace@demo.example")
    expect(row).to_be_visible()
    button = row.get_by_role("button", name="Remove")
    button.focus()
    c.page.keyboard.press("Enter")
    expect(c.page.get_by_text("grace@demo.example")).to_have_count(0, timeout=LIVE_S)
    m = visit.member
    m.press("link", "Runs", exact=True)
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
    expect(rows.filter(has_text="grace@demo.example")).to_have_count(1)
    c.choose("Surface", "any")
    c.fill("Action holds", "DELETE /team/members")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ada@demo.example")
