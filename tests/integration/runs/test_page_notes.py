"""Notes on a run's trigger page and its Runs row's writes, on the production Container with the
Firestore and Cloud Tasks emulators and the Notion sandbox: by default a start note linking the row
and the result at the end, nothing per step (the old "Run completed" comment gone); every_step notes
each step; none leaves the page alone; a repeated end task posts once; a run's many steps coalesce
into a few row writes, at the row's kept page id (no query after the first)."""

import time
from typing import Any

import httpx
import pytest

from local.notion_sandbox import seed_ids
from shared import bootstrap
from shared.engine.planning.start import start_run
from shared.notify.domain.notify_task import NotifyTask
from shared.runs.domain.events import RunPlanned
from shared.runs.domain.run_rows import ROW_EVERY_S
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import connected
from tests.support.platform.fake_container import json_body
from tests.support.runs.run_rows import drive, make_home, reading_steps, scripted_run, session

pytestmark = pytest.mark.integration
DEMO = seed_ids("demo")
PAGE = DEMO["task_report"]


@pytest.fixture
def live(stack: Stack) -> Stack:
    """``stack`` whose notify posts comments (the live notifier, not the outbox)."""
    stack.container = bootstrap.Container(stack.settings.replace(notifier_backend="live"))
    return stack


def _comments(stack: Stack, page_id: str = PAGE) -> list[str]:
    state = stack.admin.get("/workspaces/demo/state")
    plain = page_id.replace("-", "")
    return [
        c["text"] for c in state["comments"] if str(c["parent"].get("page_id", "")).replace("-", "") == plain
    ]


def _choose(stack: Stack, tenant_id: str, notes: str) -> None:
    auth = {"Authorization": f"Bearer {session(stack, tenant_id)}"}
    answer = stack.client("api").patch("/settings", json={"trigger_page_notes": notes}, headers=auth)
    assert answer.status_code == 200, json_body(answer)
    assert json_body(answer)["settings"]["trigger_page_notes"] == notes


def _run(stack: Stack, tenant_id: str, run_id: str, reads: int = 2) -> list[dict[str, Any]]:
    steps = reading_steps(reads, summary=f"{run_id} read the report.")
    scripted_run(stack.container.engine(), tenant_id, run_id, PAGE, steps)
    return drive(stack)


def _row_requests(stack: Stack, runs_source: str) -> dict[str, int]:
    """The Notion requests that wrote or looked for Runs rows (from the sandbox's own log)."""
    log = stack.admin.get("/requests")
    counts = {"queries": 0, "creates": 0, "updates": 0}
    pages = stack.admin.get("/workspaces/demo/state")["pages"]
    row_ids = {p["id"] for p in pages if p["parent"].get("data_source_id") == runs_source}
    for entry in log:
        path, method = entry["path"], entry["method"]
        if method == "POST" and path == f"/v1/data_sources/{runs_source}/query":
            counts["queries"] += 1
        elif method == "POST" and path == "/v1/pages" and entry["status"] == 200:
            counts["creates"] += 1  # our run creates no page of its own: these are rows
        elif method == "PATCH" and path.rsplit("/", 1)[-1] in row_ids:
            counts["updates"] += 1
    return counts


def test_by_default_a_start_note_linking_the_row_and_the_result_and_nothing_per_step(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    runs = make_home(stack, tenant_id)
    _run(stack, tenant_id, "notes-default", reads=3)
    notes = _comments(stack)
    assert len(notes) == 2, notes
    start, end = notes
    assert start.startswith("Started: Work on notes-default")
    # The link is the row's url as Notion (here the sandbox) gave it, and it opens
    (row,) = [
        p
        for p in stack.admin.get("/workspaces/demo/state")["pages"]
        if p["parent"].get("data_source_id") == runs
    ]
    link = f"{stack.sandbox.url}/screen/demo/pages/{row['id'].replace('-', '')}"
    assert f"Progress: {link}" in start, start
    assert "notes-default" in httpx.get(link, timeout=10).text
    assert end.startswith("Done: Work on notes-default") and "notes-default read the report." in end
    assert not any("Run completed" in n or "Step " in n for n in notes)


def test_without_a_runs_database_the_start_note_says_where_progress_is(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    _run(stack, tenant_id, "notes-no-home")
    start, end = _comments(stack)
    assert "Progress: in Notion Agent's Runs." in start and end.startswith("Done:")


def test_every_step_notes_each_finished_step(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    make_home(stack, tenant_id)
    _choose(stack, tenant_id, "every_step")
    _run(stack, tenant_id, "notes-steps", reads=2)
    notes = [n.split("\n", 1)[0] for n in _comments(stack)]
    # separate tasks: the start note waits for the row's task, so step 1's may come before it
    assert notes[-1] == "Done: Work on notes-steps" and sorted(notes) == sorted(
        [
            "Started: Work on notes-steps",
            "Step 1 of 3 done: read_page",
            "Step 2 of 3 done: read_page",
            "Done: Work on notes-steps",
        ]
    )


def test_none_leaves_the_page_alone(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    make_home(stack, tenant_id)
    _choose(stack, tenant_id, "none")
    delivered = _run(stack, tenant_id, "notes-none")
    assert _comments(stack) == []
    ended = [b for b in delivered if b.get("notification_id") == "notes-none-completed"]
    assert len(ended) == 1 and ended[0]["channel"] == "outbox" and "page_id" not in ended[0]["data"]


def test_a_repeated_end_task_posts_once(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    delivered = _run(stack, tenant_id, "notes-again")
    (end,) = [b for b in delivered if b.get("notification_id") == "notes-again-completed"]
    before = _comments(stack)
    answer = stack.client("notify").post("/", json=NotifyTask.model_validate(end).model_dump(mode="json"))
    assert answer.status_code == 200 and json_body(answer)["delivered"] is False
    assert _comments(stack) == before and sum(n.startswith("Done:") for n in before) == 1


def test_a_run_s_many_steps_coalesce_into_a_few_row_writes(live: Stack) -> None:
    stack = live
    tenant_id, _ = connected(stack)
    runs_source = make_home(stack, tenant_id)
    stack.admin.delete("/requests")
    began = time.monotonic()
    delivered = _run(stack, tenant_id, "rows-many", reads=15)
    took = time.monotonic() - began
    counts = _row_requests(stack, runs_source)
    rows = [b for b in delivered if "create" in b and b["run_id"] == "rows-many"]
    between = [b for b in rows if not b["create"]]
    steps = [b for b in delivered if "step" in b]
    # start: a query and the row created; between: the steps share one write per 10 s bucket; the
    # end: one; all after the start at the row's kept id, without a query.
    assert len(steps) == 16 and len(rows) == len(between) + 2
    assert counts == {"queries": 1, "creates": 1, "updates": len(between) + 1}, counts
    assert 1 <= len(between) <= 2 + took // ROW_EVERY_S, (len(between), took)  # buckets touched


def test_the_trigger_page_and_what_it_wrote_link_where_notion_said_the_page_opens(live: Stack) -> None:
    """The Runs row's trigger page and "What it wrote" linked www.notion.so/<id>, which
    cannot open on the local stack. The run keeps the url Notion gave its page when it was planned
    (here the sandbox's screen), and its row and the api link that."""
    stack = live
    tenant_id, _ = connected(stack)
    runs = make_home(stack, tenant_id)
    auth = {"Authorization": f"Bearer {session(stack, tenant_id)}"}
    made = stack.client("api").post(
        "/runs", json={"goal": "Could you sum up the page?", "page_id": PAGE}, headers=auth
    )
    assert made.status_code in (200, 201, 202), json_body(made)
    run_id = json_body(made)["run_id"]
    deps = stack.container.engine()
    assert [start_run(t, deps) for t in stack.plan_tasks()] == [True]
    drive(stack)
    link = f"{stack.sandbox.url}/screen/demo/pages/{PAGE.replace('-', '')}"
    (planned,) = [e for e in deps.store.list_events(tenant_id, run_id) if isinstance(e, RunPlanned)]
    assert planned.page_url == link
    assert httpx.get(link, timeout=10).status_code == 200
    (row,) = [
        p
        for p in stack.admin.get("/workspaces/demo/state")["pages"]
        if p["parent"].get("data_source_id") == runs
    ]
    trigger = stack.admin.post("/workspaces/demo/act", {"method": "GET", "path": f"/v1/pages/{row['id']}"})
    assert trigger["response"]["properties"]["Trigger page"]["url"] == link
    view = json_body(stack.client("api").get(f"/runs/{run_id}", headers=auth))
    assert view["wrote"] and {w["url"] for w in view["wrote"]} == {link}, view["wrote"]
