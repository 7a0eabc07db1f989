"""Connect Google as people do it on `make stack`'s own stack, following only the screens: the owner
gives the default agent an address at Integrations → Google (Google's consent page, as the agent's
account, Continue); Grace, a teammate who joined as an editor, connects her own calendar the same way.
Integrations then shows the agent's mailbox and Grace's calendar connected, to both; the owner
disconnects the mailbox (asked first), which stops Gmail's watch and revokes the grant at Google."""

import pytest
from playwright.sync_api import expect

from local.notion_sandbox.model import person_email
from tests.web.browser import Console
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def _at_google(c: Console, account: str) -> None:
    """Google's consent page (the stack's Google sandbox): the account it proposes, then Continue;
    back on Integrations."""
    expect(c.page.get_by_role("heading", name="Sign in with Google")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_label("Account")).to_have_value(account)
    c.press("button", "Continue")
    expect(c.page.get_by_role("heading", level=1, name="Integrations")).to_be_visible(timeout=LIVE_MS)
    assert c.page.url.startswith(c.origin), c.page.url


@pytest.mark.person_flow
def test_the_owner_connects_an_agents_address_and_a_member_her_calendar(setup: Setup, workspace: str) -> None:
    google = setup.stack.google
    assert google is not None, "make stack serves Google (LocalStack(google=True))"
    address = f"scribe@{workspace.replace('_', '-')}.example"
    owner = setup.tab()
    owner.open("/#/integrations")
    expect(owner.page.get_by_role("heading", name="Google Not connected")).to_be_visible(timeout=LIVE_MS)
    owner.fill("Agent's address", address)
    owner.press("button", "Connect Google for this address")
    _at_google(owner, address)
    expect(owner.page.get_by_role("status").filter(has_text="Google is connected")).to_be_visible()
    mailboxes = owner.page.get_by_role("list", name="Agents' mailboxes")
    expect(mailboxes).to_contain_text(address, timeout=LIVE_MS)
    expect(owner.page.get_by_role("heading", name="Google Connected")).to_be_visible()
    assert google.gmail.boxes[address].watch is not None  # Gmail watches the inbox

    grace = setup.teammate_joins_on_screens("editor")
    grace.open("/#/integrations")
    grace.press("button", "Connect my calendar")
    _at_google(grace, person_email(workspace, "grace"))
    calendars = grace.page.get_by_role("list", name="People's calendars")
    mine = calendars.get_by_role("listitem").filter(has_text="(you)")
    expect(mine).to_contain_text("Connected", timeout=LIVE_MS)
    expect(mine).to_contain_text(person_email(workspace, "grace"))
    expect(grace.page.get_by_role("list", name="Agents' mailboxes")).to_contain_text(address)
    assert len(google.calendar.channels) >= 1  # Google watches her calendar

    owner.page.reload()  # the owner's tab, still on Integrations, asks again
    theirs = owner.page.get_by_role("list", name="People's calendars").get_by_role("listitem")
    expect(theirs.filter(has_text=person_email(workspace, "grace"))).to_contain_text(
        "Connected", timeout=LIVE_MS
    )
    owner.screen("integrations-google-connected", "Integrations")
    owner.press("button", f"Disconnect {address}")
    owner.press("button", f"Yes, disconnect {address}")
    expect(owner.page.get_by_text("No agent has a mailbox yet.")).to_be_visible(timeout=LIVE_MS)
    assert address in google.gmail.stops and address in google.gmail.accounts.revocations
