"""Integrations → MCP servers in a real browser on the local stack, beyond dynamic registration: the
owner connects a server whose authorization server registers no clients with a client registered by
hand (its id and secret typed in the form; the secret never shown again), and each disconnect says what
became of the server's OAuth tokens: revoked there, not revocable there, or a revocation that failed.
At 1280 px and at 390 px, where nothing reaches past the screen's sides."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from local.mcp_sandbox.server import McpSandbox
from shared.platform.config import Settings
from tests.web.browser import Console, Figures
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
PHONE = 390
WIDE = 1280


@pytest.fixture
def closed() -> Iterator[McpSandbox]:
    """A server behind OAuth whose authorization server offers no dynamic registration, served from
    this process on loopback (the stack allows it)."""
    with McpSandbox("unused-header-token", oauth=True, without=("registration",)) as served:
        yield served


def _callback(setup: Setup) -> str:
    """The api's redirect URI, as an admin registers it at the server by hand."""
    return Settings.from_env(setup.stack.env()).api_url.rstrip("/") + "/mcp/oauth/callback"


def _fill_oauth(c: Console, name: str, url: str, client: tuple[str, str]) -> None:
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="MCP servers")).to_be_visible(timeout=LIVE_MS)
    c.fill("Server name", name)
    c.fill("MCP endpoint URL", url)
    c.choose("Authorization", "OAuth (the server's sign-in page)")
    expect(c.page.get_by_role("group", name="Client registered by hand", exact=False)).to_be_visible()
    if client[0]:
        c.fill("OAuth client ID", client[0])
    if client[1]:
        c.page.get_by_label("OAuth client secret", exact=False).fill(client[1])  # no textbox role


def _disconnect(c: Console, name: str) -> None:
    c.press("button", f"Disconnect {name}")
    expect(c.page.get_by_text("Its OAuth tokens are revoked where its server allows it")).to_be_visible()
    c.press("button", f"Yes, disconnect {name}")
    expect(c.page.get_by_role("heading", name=f"{name} Connected")).to_have_count(0, timeout=LIVE_MS)


def test_a_client_registered_by_hand_connects_and_its_tokens_are_revoked_on_disconnect(
    setup: Setup, closed: McpSandbox
) -> None:
    assert closed.auth is not None
    by_hand = closed.auth.preregister(_callback(setup))
    secret = str(by_hand.client_secret)
    c = setup.tab(setup.context(width=WIDE))
    _fill_oauth(c, "Handmade", closed.url, (str(by_hand.client_id), secret))
    c.press("button", "Connect MCP server")
    expect(c.page.get_by_role("heading", name="Handmade Connected")).to_be_visible(timeout=LIVE_MS)
    assert secret not in c.page.content()
    assert len(closed.auth.clients) == 1 and closed.auth.access  # ours, never registered; tokens issued
    c.screen("integrations-mcp-client-by-hand", "Integrations")
    _disconnect(c, "Handmade")
    status = c.page.get_by_role("status").filter(has_text="Handmade is disconnected")
    expect(status).to_contain_text("its OAuth tokens were revoked at its authorization server")
    assert closed.auth.access == {} and closed.auth.refresh == {}


def test_at_390_px_a_disconnect_says_when_the_tokens_could_not_be_revoked(
    setup: Setup, figures: Figures, closed: McpSandbox
) -> None:
    assert closed.auth is not None
    public = closed.auth.preregister(_callback(setup), secret=False)
    c = setup.tab(setup.context(width=PHONE))
    _fill_oauth(c, "Phone", closed.url, (str(public.client_id), ""))
    wide = c.overflowing()
    c.press("button", "Connect MCP server")
    expect(c.page.get_by_role("heading", name="Phone Connected")).to_be_visible(timeout=LIVE_MS)
    closed.stop()  # the server is gone: its authorization server cannot be reached to revoke
    _disconnect(c, "Phone")
    status = c.page.get_by_role("status").filter(has_text="Phone is disconnected")
    expect(status).to_contain_text("revoking its tokens failed", timeout=LIVE_MS)
    expect(status).to_contain_text("we deleted our copy")
    wide += c.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    c.screen("integrations-mcp-revocation-failed-phone", "Integrations")
    assert [s for s in setup.api("GET", "/mcp/servers")["servers"] if s["id"] == "phone"] == []


def test_a_server_offering_no_revocation_is_said_so_on_disconnect(setup: Setup) -> None:
    with McpSandbox("unused-header-token", oauth=True, without=("revocation",)) as open_server:
        c = setup.tab(setup.context(width=WIDE))
        _fill_oauth(c, "Plainrevoke", open_server.url, ("", ""))
        c.press("button", "Connect MCP server")
        expect(c.page.get_by_role("heading", name="Plainrevoke Connected")).to_be_visible(timeout=LIVE_MS)
        _disconnect(c, "Plainrevoke")
        status = c.page.get_by_role("status").filter(has_text="Plainrevoke is disconnected")
        expect(status).to_contain_text("offers no token revocation (RFC 7009)", timeout=LIVE_MS)
