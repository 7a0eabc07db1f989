"""C5 and C6 of docs/newcomer-frictions.md in a real browser, the stack made to produce them: a map's fan-in waiting for
its children named in words and muted (not the error's red), and a Notion outage (the sandbox
overloaded: Notion answers 529 until it recovers) said as "Notion is unavailable; next try at …", with
the step's repeated failure folded into one line of the timeline."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e

REVIEWER = "Idea reviewer"
WORDS = (
    'For each row of the data source this page is in, comment "Reviewed" on the row. Then say on '
    "this page how many rows were done."
)
UNKNOWN = "an event this console does not know yet"
MAP_S = 240  # a map over every Ideas row, each child's write reviewed, on a busy machine


def test_a_fan_in_s_wait_for_its_children_is_named_and_muted(setup: Setup) -> None:
    parent = setup.started_run("Greet the team for each of: Ana, Bo, Cy")

    def ended() -> list[dict[str, Any]] | None:
        run = setup.api("GET", f"/runs/{parent}")
        if run["status"] == "waiting_for_human" and run["waiting"]["purpose"] == "approval":
            setup.api("POST", f"/runs/{parent}/approve", {"request_id": run["waiting"]["request_id"]})
            return None
        return run["events"] if run["status"] in {"completed", "failed", "cancelled"} else None

    events = within(ended, "the map to end")
    waits = [e for e in events if e["kind"] == "error_recorded" and e["message"].startswith("fan_in:")]
    assert waits, "the fan-in never waited for its children (they ended before it looked)"
    c = setup.tab()
    c.open(f"/#/runs/{parent}")
    timeline = c.page.locator("ol.timeline")
    wait = timeline.locator("li.wait").filter(has_text="waiting for its children").first
    expect(wait).to_be_visible(timeout=LIVE_MS)
    red = c.page.evaluate(
        "() => { const s = document.createElement('span'); s.style.color = 'var(--bad)'; "
        "document.body.append(s); const v = getComputedStyle(s).color; s.remove(); return v; }"
    )
    assert wait.evaluate("li => getComputedStyle(li).color") != red  # muted, not the error's red
    expect(timeline).not_to_contain_text("an event this console does not know yet")


def test_a_notion_outage_is_said_in_words_and_its_retries_fold_into_one_line(setup: Setup) -> None:
    run_id = setup.waiting_run()
    request = setup.api("GET", f"/runs/{run_id}")["waiting"]["request_id"]
    c = setup.tab()
    c.open(f"/#/runs/{run_id}")
    expect(c.page.get_by_role("button", name="Approve")).to_be_visible(timeout=LIVE_MS)
    setup.stack.sandbox_admin("POST", "/faults", {"overloaded": True, "retry_after": 1})
    try:
        setup.api("POST", f"/runs/{run_id}/approve", {"request_id": request})

        def failed_twice() -> bool | None:
            events = setup.api("GET", f"/runs/{run_id}")["events"]
            return sum(e["kind"] == "error_recorded" for e in events) >= 2 or None

        within(failed_twice, "the step to fail on Notion twice")
        notice = c.page.get_by_role("status").filter(has_text="Notion is unavailable")
        expect(notice).to_contain_text(
            re.compile(r"Notion is unavailable; (next try at|it is tried again)"), timeout=LIVE_MS
        )
        folded = c.page.locator("ol.timeline > li").filter(has_text="Notion is unavailable")
        expect(folded).to_have_count(1)
        expect(folded).to_contain_text(re.compile(r"\(\d+ times, the last at"), timeout=LIVE_MS)
        c.screen("run-notion-outage", setup.api("GET", f"/runs/{run_id}")["title"])
    finally:
        setup.stack.sandbox_admin("POST", "/faults", {"overloaded": False})
        setup.stack.sandbox_admin("DELETE", "/faults")
    within(lambda: setup.api("GET", f"/runs/{run_id}")["status"] == "completed" or None, "the run to end")
    expect(c.page.get_by_role("status").filter(has_text="Notion is unavailable")).to_have_count(
        0, timeout=LIVE_MS
    )
