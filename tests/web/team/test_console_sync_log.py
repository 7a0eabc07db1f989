"""The sync log on the Integrations screen: "Kept in step" lists, in words, each
field changed on both sides and which side's value the sync kept, for any role that may read.

Linear is connected through the api with the sandbox's key, as tests/integration/sync does. The sync
settling a conflict takes Notion and Linear edits plus sync tasks on this shared stack, so the entries
are written with the product's own sync-log store (FirestoreSync.log) into the stack's Firestore."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import expect

from local.linear_sandbox.app import KEY, TEAM_ID
from local.stack import PROJECT, LocalStack
from tests.web.browser import Console, Figures
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
PHONE = 390
ISSUE = "5e0c1a9e-0000-4000-8000-00000000b001"  # a Linear issue's id, as the sync's links keep it
OLD_ISSUE = "5e0c1a9e-0000-4000-8000-00000000b002"
SETTLED = "Priority of “Fix login”: changed in Notion and in Linear; Linear's (later, 10:42) kept"
OLD = f"Title of Linear issue {OLD_ISSUE}: changed in Notion and in Linear; Notion's (later, 09:05) kept"
EMPTY = "No field was changed on both sides in the last 7 days."


def _db(stack: LocalStack) -> Any:
    from google.cloud import firestore

    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{stack.firestore_port}"}):
        return firestore.Client(project=PROJECT)


def _settle(
    setup: Setup, tenant_id: str, at: datetime, field: str, winner: str, times: tuple[datetime, datetime]
) -> None:
    """A conflict as the sync's mirror records it (shared/sync/services/mirror.py): one log entry."""
    from shared.sync.adapters.firestore_sync import FirestoreSync
    from shared.sync.domain.connection import LogEntry

    issue = ISSUE if field == "priority" else OLD_ISSUE
    entry = LogEntry(
        at=at,
        page_id="page-" + issue[-4:],
        issue_id=issue,
        field=field,
        winner=winner,
        notion_at=times[0],
        tool_at=times[1],
        title="Fix login" if issue == ISSUE else "",  # the older entry was logged before titles were kept
    )
    FirestoreSync(_db(setup.stack)).log(tenant_id, entry)


@pytest.fixture(scope="module")
def linear(setup: Setup) -> Iterator[str]:
    """Linear connected through the api with the sandbox's key; the tenant's id. Disconnected after."""
    setup.api("PUT", "/sync/linear", {"api_key": KEY, "team_id": TEAM_ID})
    try:
        yield str(setup.api("GET", "/session")["tenant_id"])
    finally:
        setup.api("DELETE", "/sync/linear")


def _section(c: Console) -> Any:
    c.open("/#/integrations")
    expect(c.page.get_by_role("heading", name="Linear Connected")).to_be_visible(timeout=LIVE_MS)
    return c.page.get_by_role("region", name="Kept in step")


def test_the_sync_log_is_empty_in_words_then_lists_a_settled_field(setup: Setup, linear: str) -> None:
    c = setup.tab()
    kept = _section(c)
    expect(kept.get_by_text(EMPTY)).to_be_visible(timeout=LIVE_MS)
    day = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
    tool_at = day.replace(hour=10, minute=42)
    _settle(
        setup, linear, day.replace(hour=11), "priority", "linear", (tool_at - timedelta(minutes=7), tool_at)
    )
    notion_at = (day - timedelta(days=9)).replace(hour=9, minute=5)  # 10 days ago: beyond 7 days
    _settle(
        setup,
        linear,
        notion_at + timedelta(hours=1),
        "title",
        "notion",
        (notion_at, notion_at - timedelta(hours=2)),
    )
    c.page.reload()  # the entries are read when the screen opens
    expect(kept.get_by_role("cell", name=SETTLED)).to_be_visible(timeout=LIVE_MS)
    expect(kept.get_by_text(OLD)).to_have_count(0)
    c.choose("Days shown", "the last 30 days")
    expect(kept.get_by_role("cell", name=OLD)).to_be_visible(timeout=LIVE_MS)
    cells = kept.locator("td.what").all_inner_texts()
    assert cells == [SETTLED, OLD], cells  # newest first
    c.screen("integrations-sync-log", "Integrations")


def test_a_viewer_reads_the_sync_log(setup: Setup, linear: str) -> None:
    viewer = setup.teammate_tab("viewer")
    kept = _section(viewer)
    expect(kept.get_by_role("cell", name=SETTLED)).to_be_visible(timeout=LIVE_MS)
    viewer.screen("integrations-sync-log-viewer", "Integrations")


def test_at_390_px_the_sync_log_stacks_without_overflow(setup: Setup, linear: str, figures: Figures) -> None:
    c = setup.tab(setup.context(width=PHONE))
    kept = _section(c)
    expect(kept.get_by_text(SETTLED)).to_be_visible(timeout=LIVE_MS)
    wide = c.overflowing()
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    c.screen("integrations-sync-log-phone", "Integrations")
