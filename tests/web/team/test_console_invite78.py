"""An invitation survives its page being closed before Connect: the invite link's code
is kept in the browser, so the console opened again later still connects with it, and it is
forgotten once used. Then: that flow's tabs were closed once it ended."""

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def test_an_invitation_is_kept_when_its_page_was_closed_before_connect(setup: Setup) -> None:
    made = setup.api("POST", "/team/invites", {"email": f"grace@{setup.workspace}.example", "role": "editor"})
    context = setup.context(signed_in=False)
    first = context.new_page()
    first.goto(made["link"])
    expect(first.get_by_text("You were invited")).to_be_visible(timeout=LIVE_MS)
    first.close()  # closed before Connect
    later = setup.tab(context)
    later.open("/")
    expect(later.page.get_by_text("kept from the invite link you opened earlier")).to_be_visible(
        timeout=LIVE_MS
    )
    setup.stack.sandbox_admin("POST", "/oauth", {"user_id": setup.ids["teammate"]})
    try:
        later.press("button", "Connect Notion")
        expect(later.page.get_by_role("link", name="Team", exact=True)).to_be_visible(timeout=LIVE_MS)
    finally:
        setup.stack.sandbox_admin("POST", "/oauth", {"user_id": None})
    members = setup.api("GET", "/team")["members"]
    assert [m["role"] for m in members if m["email"].startswith("grace@")] == ["editor"], members
    assert later.page.evaluate("localStorage.getItem('na-invite')") is None  # spent: forgotten


def test_the_tabs_the_flow_before_opened_were_closed_when_it_ended(setup: Setup) -> None:
    """tests/web/conftest.py closes a flow's tabs once it ends (an open tab keeps polling the api):
    the flow above left none open for this one to pay for."""
    assert [c.pages for c in setup.contexts] == []
