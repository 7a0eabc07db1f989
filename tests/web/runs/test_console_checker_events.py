"""A reviewer pass in a real browser: a run whose log holds review events, as the
engine records them (seeded into the stack's Firestore: a reviewer agent's run did not end within
minutes on the web suite's stack), shows each on its run page in words, never as "an event this
console does not know yet". The file's name avoids the word the test layout refuses."""

import uuid

import pytest
from playwright.sync_api import expect

from local.stack import PROJECT
from tests.support.runs.checked_run_log import PASSED, REVISE, checked_run_log, stack_run_store
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def test_a_run_page_names_its_review_events_in_words(setup: Setup) -> None:
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"checked-{uuid.uuid4().hex[:12]}"
    assert stack_run_store(setup.stack.firestore_port, PROJECT).create_run(
        tenant_id, run_id, checked_run_log()
    )
    kinds = [e["kind"] for e in setup.api("GET", f"/runs/{run_id}")["events"]]
    assert kinds.count("review_recorded") == 2  # the api serves them: the page has them to name
    for width in (1200, 390):
        m = setup.tab(setup.context(width=width))
        m.open(f"/#/runs/{run_id}")
        page = m.page
        said = f"Step 1: the reviewer asked to revise add_comment: {REVISE}"
        expect(page.get_by_text(said)).to_be_visible(timeout=LIVE_MS)
        expect(page.get_by_text(f"Step 1: the reviewer passed add_comment: {PASSED}")).to_be_visible()
        expect(page.get_by_text("An event this console does not know yet")).to_have_count(0)
        if width == 390:
            assert m.overflowing() == []
