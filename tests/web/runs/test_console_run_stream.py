"""The run page follows a run by its events' stream (GET /runs/{id}/events, an EventSource) instead of
polling, and falls back to polling when the stream is refused: a run seeded into the
stack's Firestore, its end appended while the page is open, shows on the page either way; with the
stream the timeline is read once per event, without it every 2 s."""

import time
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Request, expect

from local.stack import PROJECT
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned, RunStatus
from tests.support.runs.checked_run_log import stack_run_store
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e
QUIET_S = 6  # three polls' worth, the run unchanged


def _seed(setup: Setup) -> tuple[str, str, object]:
    tenant_id = setup.api("GET", "/session")["tenant_id"]
    run_id = f"streamed-{uuid.uuid4().hex[:12]}"
    store = stack_run_store(setup.stack.firestore_port, PROJECT)
    steps = [PlannedStep(tool="finish", args={"summary": "done"})]
    plan = RunPlanned(seq=1, at=datetime.now(UTC), goal="Follow me", trigger="api", steps=steps, member=False)
    assert store.create_run(tenant_id, run_id, [plan])
    return tenant_id, run_id, store


def _finish(store: object, tenant_id: str, run_id: str, summary: str) -> None:
    run = store.get_run(tenant_id, run_id)  # type: ignore[attr-defined]  # the stack's run store, untyped
    done = RunFinished(seq=2, at=datetime.now(UTC), status=RunStatus.COMPLETED, summary=summary)
    assert store.append(tenant_id, run_id, run.state, [done]) is not None  # type: ignore[attr-defined]  # the stack's run store, untyped


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "polling"])
def test_the_run_page_follows_a_run_by_its_stream_or_by_polling(setup: Setup, stream: bool) -> None:
    tenant_id, run_id, store = _seed(setup)
    m = setup.tab(setup.context(width=1200))
    page = m.page
    reads: list[float] = []
    streams: list[str] = []

    def seen(request: Request) -> None:
        path = request.url.split("/api", 1)[-1].split("?", 1)[0]
        if path == f"/runs/{run_id}":
            reads.append(time.monotonic())
        elif path == f"/runs/{run_id}/events":
            streams.append(request.headers.get("accept", ""))

    page.on("request", seen)
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    if not stream:
        page.route("**/events", lambda route: route.abort())
    m.open(f"/#/runs/{run_id}")
    expect(page.get_by_text("Follow me").first).to_be_visible(timeout=LIVE_MS)
    page.wait_for_timeout(QUIET_S * 1000)  # Playwright hands the page's events over while it waits
    quiet = len(reads)
    if stream:
        assert streams and "text/event-stream" in streams[0]
        assert quiet <= 2, f"the timeline was read {quiet} times in {QUIET_S} s of a quiet stream"
    else:
        assert quiet >= 3, f"polling read the timeline {quiet} times in {QUIET_S} s ({streams}, {said})"
    _finish(store, tenant_id, run_id, "Followed to the end")
    expect(page.get_by_text("Followed to the end").first).to_be_visible(timeout=LIVE_MS)
