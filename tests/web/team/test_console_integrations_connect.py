"""Connect with Linear and GitLab in a real browser (issue 69, point 1; decision 0125), and a
repository's forge on the Repositories screen (decision 0126).

The owner presses Connect on the Integrations screen, approves at the sandbox's consent page
(local/oauth_provider.py), comes back through the api's callback to the console and sees the tool
connected; Disconnect asks first, then revokes. Linear at a desktop's width, GitLab at 390 px."""

from typing import Any

import pytest
from playwright.sync_api import expect

from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox.app import TEAM_ID
from local.oauth_provider import OAuthProvider
from tests.web.browser import Console, Figures
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
PHONE = 390
FORGE = f"Where {PROJECT_PATH} lives"


def _connect(c: Console, home: str, tool: str, field: tuple[str, str], decision: str) -> None:
    """Press Connect with ``tool`` on the Integrations screen and ``decision`` at its consent page,
    served by its sandbox at ``home``."""
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name=f"{tool} Not connected")).to_be_visible(timeout=LIVE_MS)
    c.fill(*field)
    c.press("button", f"Connect with {tool}")
    expect(c.page.get_by_role("heading", name="Authorize Notion Agent")).to_be_visible(timeout=LIVE_MS)
    assert c.page.url.startswith(home + "/oauth/authorize?"), c.page.url  # the tool's own page
    c.press("button", decision)
    expect(c.page.get_by_role("heading", level=1, name="Integrations")).to_be_visible(timeout=LIVE_MS)
    assert c.page.url.startswith(c.origin), c.page.url  # back at the console, its fragment taken


def _disconnect(c: Console, provider: OAuthProvider, tool: str) -> None:
    """Disconnect ``tool``: the first press asks, "Keep it" keeps it, the second press revokes."""
    revoked = provider.revocations
    c.press("button", f"Disconnect {tool}")
    c.press("button", "Keep it")
    expect(c.page.get_by_role("heading", name=f"{tool} Connected")).to_be_visible()
    c.press("button", f"Disconnect {tool}")
    expect(c.page.get_by_role("group", name=f"Disconnect {tool}?", exact=False)).to_be_visible()
    c.press("button", f"Yes, disconnect {tool}")
    expect(c.page.get_by_role("status").filter(has_text=f"{tool} revoked our access")).to_be_visible(
        timeout=LIVE_MS
    )
    expect(c.page.get_by_role("heading", name=f"{tool} Not connected")).to_be_visible()
    assert provider.revocations == revoked + 1


def _status(setup: Setup, tool: str) -> dict[str, Any]:
    status: dict[str, Any] = setup.api("GET", f"/sync/{tool}")
    return status


def test_the_owner_connects_linear_at_its_consent_page_and_disconnects_it(setup: Setup) -> None:
    provider = setup.stack.linear.sandbox.oauth
    exchanged = provider.exchanges
    c = setup.tab()
    _connect(c, setup.stack.linear.url, "Linear", ("Linear team id", TEAM_ID), "Approve")
    expect(c.page.get_by_role("status").filter(has_text="Linear is connected")).to_be_visible()
    expect(c.page.get_by_role("heading", name="Linear Connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text("Tasks are kept in step with the team", exact=False)).to_be_visible()
    assert provider.exchanges == exchanged + 1  # one code, exchanged once
    status = _status(setup, "linear")
    assert status["connected"] is True and status["team"]["id"] == TEAM_ID, status
    c.screen("integrations-linear-connected", "Integrations")
    _disconnect(c, provider, "Linear")
    assert _status(setup, "linear")["connected"] is False
    c.screen("integrations-linear-disconnected", "Integrations")


def test_at_390_px_gitlab_declined_then_connected_and_disconnected(setup: Setup, figures: Figures) -> None:
    provider = setup.stack.gitlab.sandbox.oauth
    exchanged = provider.exchanges
    c = setup.tab(setup.context(width=PHONE))
    field = ("GitLab project (group/project)", PROJECT_PATH)
    _connect(c, setup.stack.gitlab.url, "GitLab", field, "Deny")
    expect(c.page.get_by_role("status").filter(has_text="You declined at GitLab")).to_be_visible()
    assert provider.exchanges == exchanged and _status(setup, "gitlab")["connected"] is False
    _connect(c, setup.stack.gitlab.url, "GitLab", field, "Approve")
    expect(c.page.get_by_role("heading", name="GitLab Connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text(f"the project {PROJECT_PATH} at", exact=False)).to_be_visible()
    status = _status(setup, "gitlab")
    assert status["connected"] is True and status["project"]["path"] == PROJECT_PATH, status
    wide = c.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    c.screen("integrations-gitlab-phone", "Integrations")
    _disconnect(c, provider, "GitLab")
    assert _status(setup, "gitlab")["connected"] is False


def _policy(setup: Setup) -> dict[str, Any]:
    listed = setup.api("GET", "/repositories/policies")["repositories"]
    return next(r["policy"] for r in listed if r["repository"] == PROJECT_PATH)


def test_the_owner_names_a_repositorys_forge_and_reads_a_refusal_in_words(
    setup: Setup, figures: Figures
) -> None:
    setup.api("PATCH", "/settings", {"github_repositories": [PROJECT_PATH]})
    assert "forge" not in _policy(setup)  # GitHub unless said
    c = setup.tab()
    c.open("/#/repositories")
    expect(c.page.get_by_role("heading", name=PROJECT_PATH)).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text("GitHub: a run opens a pull request", exact=False)).to_be_visible()
    c.choose(FORGE, "GitLab")
    explained = f"a run opens a merge request in the GitLab project {PROJECT_PATH} (its project path)"
    expect(c.page.get_by_text(explained, exact=False)).to_be_visible()
    c.press("button", f"Save the policy of {PROJECT_PATH}")
    expect(c.page.get_by_role("status").filter(has_text="Saved for GitLab")).to_be_visible()
    assert _policy(setup)["forge"] == "gitlab"
    paths = "Paths a run may write, one pattern a line (* also crosses /)"
    c.fill(paths, "../secrets/*")  # outside the repository: refused beside the field, nothing stored
    c.press("button", f"Save the policy of {PROJECT_PATH}")
    field = c.page.get_by_label(paths)
    expect(field).to_have_attribute("aria-invalid", "true")
    said = c.page.locator(f"#{field.get_attribute('aria-describedby')}")  # the field's own description
    expect(said).to_have_text(
        "Give 1 to 50 patterns, one a line, relative to the repository's root (no leading /, no ..), such as src/*."
    )
    expect(c.page.get_by_role("alert")).to_contain_text("one field needs a change")
    assert _policy(setup)["allowed_paths"] == ["*"] and _policy(setup)["forge"] == "gitlab"
    c.screen("repositories-forge", "Repositories")
    phone = setup.tab(setup.context(width=PHONE))
    phone.open("/#/repositories")
    expect(phone.page.get_by_label(FORGE)).to_have_value("gitlab", timeout=LIVE_MS)
    wide = phone.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    phone.screen("repositories-forge-phone", "Repositories")
