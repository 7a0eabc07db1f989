"""Erasing the workspace in a real browser, keyboard only, on the whole local stack (issue
77): the owner finds the control in Settings, confirms by typing the workspace's name (a name of
another case does not confirm; spaces around it do not count), and is then told what was erased and
what remains (the record that it was, backups until they expire, the pages in Notion) before anything
else; the session has ended. An admin sees the control disabled with the reason."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from local.linear_sandbox.app import KEY as LINEAR_KEY
from local.linear_sandbox.app import TEAM_ID
from tests.web.browser import Console
from tests.web.workspace import Setup

pytestmark = pytest.mark.e2e
LIVE_S = 30_000
BUTTON = "Erase the workspace"
FIELD = "Type the workspace's name"


@pytest.fixture(scope="module")
def owner(setup: Setup) -> Iterator[Console]:
    # A tool connected with a key the owner pasted: the erasure tells her it still works at Linear.
    ideas = setup.ids["ideas_data_source"]
    setup.api("PUT", "/sync/linear", {"api_key": LINEAR_KEY, "team_id": TEAM_ID, "data_source_id": ideas})
    yield setup.tab()


def test_an_admin_sees_the_control_disabled_with_the_reason(setup: Setup) -> None:
    admin = setup.teammate_tab("admin")
    admin.open("/#/settings")
    expect(
        admin.page.get_by_role("heading", level=2, name="Erase Demo workspace and all its data")
    ).to_be_visible(timeout=LIVE_S)
    expect(admin.page.get_by_text("Your role (admin) may not erase the workspace").first).to_be_visible()
    expect(admin.page.get_by_role("button", name=BUTTON)).to_be_disabled()


def test_the_owner_erases_by_typing_the_name_and_is_told_what_was_erased_and_what_remains(
    owner: Console, setup: Setup
) -> None:
    c = owner
    c.open("/#/settings")
    c.screen("settings-erase", "Settings")
    expect(
        c.page.get_by_role("heading", level=2, name="Erase Demo workspace and all its data")
    ).to_be_visible()
    button = c.page.get_by_role("button", name=BUTTON)
    expect(button).to_be_disabled()
    c.fill(FIELD, "demo workspace")  # another case: not the name
    expect(button).to_be_disabled()
    c.fill(FIELD, "  Demo   workspace ")  # as a person reads it: the spaces do not count
    expect(button).to_be_enabled()
    c.press("button", BUTTON)

    c.screen("erased", "Demo workspace is erased")
    page = c.page
    expect(page.get_by_role("status")).to_contain_text("This cannot be undone")
    erased = page.get_by_role("region", name="What was erased")
    expect(erased).to_contain_text("Notion: the agent's access, revoked at Notion.")
    expect(erased).to_contain_text("Linear: our webhook at Linear deleted; the key you gave deleted here.")
    expect(erased).to_contain_text("It still works at Linear until you revoke it there.")
    expect(erased).to_contain_text("GitHub's webhook secret")
    remains = page.get_by_role("region", name="What remains")
    expect(remains).to_contain_text("The record that this workspace was erased")
    expect(remains).to_contain_text("Backups of the service's database hold the workspace until they expire")
    expect(remains).to_contain_text("Your pages in Notion")
    assert not c.console_errors, c.console_errors  # the shell asked nothing more of the ended session
    status, _ = c.api("GET", "/session")
    assert status in (401, 404)  # the session ended with the workspace
    status, _ = c.api("GET", "/runs")
    assert status in (401, 404)
    c.press("button", "Done")
    expect(page.get_by_role("heading", level=1, name="Connect your Notion workspace")).to_be_visible()
