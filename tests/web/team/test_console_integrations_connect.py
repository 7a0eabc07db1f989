"""Connect Linear, GitLab and Motion in a real browser (decision 0125), and a
repository's forge on the Repositories screen (decision 0126).

The owner connects at the tool's consent page (local/oauth_provider.py) or with a key the sandboxes
accept; a refused key is said beside its field, nothing stored; Disconnect asks first."""

from typing import Any

import pytest
from playwright.sync_api import expect

from local.gitlab_sandbox.app import PROJECT_PATH
from local.gitlab_sandbox.app import TOKEN as GITLAB_TOKEN
from local.linear_sandbox.app import KEY as LINEAR_KEY
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
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


def _disconnect(c: Console, provider: OAuthProvider | None, tool: str) -> None:
    """Disconnect ``tool``: the first press asks, "Keep it" keeps it, the second press disconnects
    (and, connected through ``provider``'s OAuth app, revokes)."""
    revoked = provider.revocations if provider else 0
    c.press("button", f"Disconnect {tool}")
    c.press("button", "Keep it")
    expect(c.page.get_by_role("heading", name=f"{tool} Connected")).to_be_visible()
    c.press("button", f"Disconnect {tool}")
    expect(c.page.get_by_role("group", name=f"Disconnect {tool}?", exact=False)).to_be_visible()
    c.press("button", f"Yes, disconnect {tool}")
    said = f"{tool} revoked our access" if provider else f"{tool} is disconnected."
    expect(c.page.get_by_role("status").filter(has_text=said)).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_role("heading", name=f"{tool} Not connected")).to_be_visible()
    assert provider is None or provider.revocations == revoked + 1


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


def _open_keys(c: Console, tool: str) -> None:
    """Open "Use a key instead" on ``tool``'s card by keyboard."""
    summary = c.page.locator(f"section[aria-labelledby='{tool.lower()}-title'] summary")
    summary.focus()
    c.page.keyboard.press("Enter")
    expect(c.page.get_by_role("button", name=f"Connect {tool} with the key")).to_be_visible()


def _by_key(c: Console, tool: str, key: tuple[str, str], fields: list[tuple[str, str]]) -> None:
    """Type ``key`` (its label, the key) and ``fields`` in ``tool``'s key form, then Connect."""
    c.page.get_by_label(key[0]).fill(key[1])  # a password field: no textbox role to reach it by
    for label, text in fields:
        c.fill(label, text)
    c.press("button", f"Connect {tool} with the key")


def _connected(c: Console, setup: Setup, tool: str, where: str) -> dict[str, Any]:
    """``tool`` shown connected, keeping tasks in step with ``where``; the api's status of it."""
    expect(c.page.get_by_role("heading", name=f"{tool} Connected")).to_be_visible(timeout=LIVE_MS)
    expect(c.page.get_by_text(f"Tasks are kept in step with {where}", exact=False)).to_be_visible()
    status = _status(setup, tool.lower())
    assert status["connected"] is True, status
    return status


def test_the_owner_connects_linear_and_motion_by_key_and_reads_a_refused_key(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="Motion Not connected")).to_be_visible(timeout=LIVE_MS)
    _open_keys(c, "Linear")
    _by_key(c, "Linear", ("Linear API key", LINEAR_KEY), [("Linear team's id", TEAM_ID)])
    expect(c.page.get_by_role("status").filter(has_text="Linear is connected with the key.")).to_be_visible(
        timeout=LIVE_MS
    )
    assert _connected(c, setup, "Linear", "the team")["team"]["id"] == TEAM_ID
    wrong = "motion-key-nobody-has-0000"
    _by_key(c, "Motion", ("Motion API key", wrong), [("Motion workspace's id", WORKSPACE_ID)])
    key = c.page.get_by_label("Motion API key")
    expect(key).to_have_attribute("aria-invalid", "true", timeout=LIVE_MS)
    said = c.page.locator(f"#{(key.get_attribute('aria-describedby') or '').split()[0]}")
    expect(said).to_have_text("Motion refused this key (deleted or mistyped?); nothing was stored")
    expect(c.page.get_by_role("alert")).to_contain_text("one field needs a change")
    expect(key).to_have_value("")  # the key is not kept in the page, the workspace's id is
    expect(c.page.get_by_label("Motion workspace's id")).to_have_value(WORKSPACE_ID)
    assert wrong not in c.page.content() and _status(setup, "motion")["connected"] is False
    _by_key(c, "Motion", ("Motion API key", MOTION_KEY), [])
    motion = _connected(c, setup, "Motion", "the workspace Demo team")
    assert motion["workspace"]["id"] == WORKSPACE_ID, motion
    assert MOTION_KEY not in c.page.content() and LINEAR_KEY not in c.page.content()
    c.screen("integrations-keys", "Integrations")
    _disconnect(c, None, "Motion")
    _disconnect(c, None, "Linear")
    assert _status(setup, "motion")["connected"] is False and _status(setup, "linear")["connected"] is False
    m = setup.teammate_tab("editor")  # an editor reads, only an admin or the owner connects
    m.open("/#/integrations")
    expect(m.page.get_by_label("Motion API key")).to_be_disabled(timeout=LIVE_MS)
    expect(m.page.get_by_text("may not connect or disconnect Motion", exact=False).first).to_be_visible()


def test_at_390_px_gitlab_connected_by_token_at_its_own_address(setup: Setup, figures: Figures) -> None:
    c = setup.tab(setup.context(width=PHONE))
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="GitLab Not connected")).to_be_visible(timeout=LIVE_MS)
    _open_keys(c, "GitLab")
    base = setup.stack.gitlab.url
    fields = [("GitLab project's path", PROJECT_PATH), ("GitLab's address (self-managed only)", base)]
    c.page.get_by_label("GitLab personal access token").fill(GITLAB_TOKEN)
    for label, text in fields:
        c.fill(label, text)
    wide = c.overflowing()
    c.screen("integrations-gitlab-token-phone", "Integrations")
    c.press("button", "Connect GitLab with the key")
    status = _connected(c, setup, "GitLab", f"the project {PROJECT_PATH} at {base}")
    assert status["base_url"] == base and status["project"]["path"] == PROJECT_PATH, status
    assert GITLAB_TOKEN not in c.page.content()
    wide += c.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    c.screen("integrations-gitlab-keyed-phone", "Integrations")
    _disconnect(c, None, "GitLab")
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
