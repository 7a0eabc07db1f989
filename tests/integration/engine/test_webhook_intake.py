"""Webhook intake over real HTTP: signed deliveries from the Notion sandbox (handshake, duplicates,
reordering, late and aggregated events, tampering, a page's changes coalesced) into notion-webhook,
with the Firestore emulator and the local Cloud Tasks emulator (plan queue held, so every task is
visible). The stack runs with the production window, ``webhook_coalesce_s`` = 60."""

import base64
import json
import logging
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.notion_sandbox import signature
from shared.engine.planning.start import start_run
from shared.engine.services import followups, humans
from shared.engine.services.run_log import RunLog
from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import SIGNATURE_HEADER
from shared.runs.domain.plan_task import READ_LAG, PlanTask
from shared.workspace.domain.tenants import EventSeen
from tests.integration.notion_stack import VERIFICATION_TOKEN, Stack, event_for, signed_post
from tests.support.engine.webhook_intake import STATUS_EDITS, connected, flush, schema

pytestmark = pytest.mark.integration


WINDOW_S = 60.0


def window_of(event: dict[str, Any]) -> int:
    """The coalescing window an event's timestamp falls in (written out here, not taken from the code)."""
    return int(datetime.fromisoformat(event["timestamp"]).timestamp() // WINDOW_S)


def page_run(event: dict[str, Any], *, owner: bool = False) -> str:
    """The run a page's change in that window starts: the owner's changes (the sandbox's own events,
    made as the person who connected it) name a run of their own."""
    return f"wh-{event['entity']['id'].replace('-', '')}-{window_of(event)}" + ("-o" if owner else "")


def test_the_stack_runs_with_the_production_window(stack: Stack) -> None:
    assert stack.settings.webhook_coalesce_s == WINDOW_S


def test_the_handshake_stores_the_token_once_and_never_logs_it(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sub = stack.subscribe()
    assert sub["verified"] and sub["handshake_status"] == 200
    assert stack.secrets_file()[PlatformSecret.NOTION_WEBHOOK_TOKEN.value] == VERIFICATION_TOKEN
    assert "Verify dialog" in caplog.text and VERIFICATION_TOKEN not in caplog.text
    # A second, unsigned handshake cannot replace the token (whoever could would sign events).
    answer = httpx.post(stack.webhook_url, json={"verification_token": "secret_attacker"})
    assert answer.status_code == 200 and answer.json()["result"] == "ignored"
    assert stack.secrets_file()[PlatformSecret.NOTION_WEBHOOK_TOKEN.value] == VERIFICATION_TOKEN


def test_a_persons_new_idea_becomes_one_plan_task(stack: Stack) -> None:
    tenant_id, ws = connected(stack)
    stack.admin.post("/workspaces/demo/ideas", {"title": "Automate invoices", "content": "Every Friday"})
    deliveries = flush(stack)
    assert sorted(d["type"] for d in deliveries) == ["data_source.content_updated", "page.created"]
    assert all(d["status"] == 200 for d in deliveries)
    [task] = stack.plan_tasks()
    created = next(d for d in deliveries if d["type"] == "page.created")
    assert task.tenant_id == tenant_id and task.run_id == page_run(created["event"], owner=True)
    assert task.trigger.kind == "webhook" and task.trigger.page_id == created["entity_id"]
    assert task.trigger.data_source_id == ws["ids"]["ideas_data_source"]
    assert stack.event_ids(tenant_id) == [created["event_id"]]


def test_the_same_event_five_times_at_once_makes_exactly_one_task(stack: Stack) -> None:
    tenant_id, ws = connected(stack)
    # Changed now: an event received after its window's task time names a task of its own (late).
    now = datetime.now(UTC).isoformat()
    event = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"], timestamp=now)
    barrier = threading.Barrier(5)
    results: list[tuple[int, str]] = []

    def deliver() -> None:
        barrier.wait()
        answer = signed_post(stack.webhook_url, event)
        results.append((answer.status_code, answer.json()["result"]))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The first receiver answers "enqueued"; or "coalesced" when a repeat, finding the record not yet
    # marked, made the same named task a moment before it (the task is one either way).
    first = [r for r in results if r != (200, "duplicate")]
    assert len(results) == 5 and first in ([(200, "enqueued")], [(200, "coalesced")]), results
    assert [t.run_id for t in stack.plan_tasks()] == [page_run(event)]
    assert stack.event_ids(tenant_id) == [event["id"]]


def test_duplicate_reordered_late_and_aggregated_deliveries(stack: Stack) -> None:
    tenant_id, _ = connected(stack, rules=STATUS_EDITS)
    # Notion holds an aggregated event a while to merge repeats; 5 s here, so that the two edits below
    # fall in one window however slowly a loaded machine answers them (0.3 s did not, under CI).
    stack.admin.post(
        "/webhook/switches", {"duplicates": 2, "reorder": True, "delay": 0.3, "aggregation_delay": 5.0}
    )
    pages = []
    for title in ("one", "two", "three"):
        answer = stack.admin.post("/workspaces/demo/ideas", {"title": title})
        pages.append(answer["response"]["id"])
    for status in ("Exploring", "Done"):  # two quick edits of one page: aggregated into one event
        body = {"properties": {"Status": {"status": {"name": status}}}}
        stack.admin.post(
            "/workspaces/demo/act", {"method": "PATCH", "path": f"/v1/pages/{pages[0]}", "body": body}
        )
    deliveries = flush(stack)
    created = {d["event_id"] for d in deliveries if d["type"] == "page.created"}
    updated = {d["event_id"] for d in deliveries if d["type"] == "page.properties_updated"}
    assert len(created) == 3 and len(updated) == 1
    # Each sent three times and answered 2xx; a slow answer is retried as Notion retries, so a failed
    # attempt is counted apart and named if one happens (its retry is a delivery like any other).
    answered = [d for d in deliveries if d["status"] is not None and 200 <= d["status"] < 300]
    failed = [(d["type"], d["status"], d["error"]) for d in deliveries if d not in answered]
    assert len([d for d in answered if d["type"] == "page.created"]) == 9, failed
    tasks = stack.plan_tasks()
    # One task per page and window: page one's creation and edit share one unless a minute ended between.
    page_events = [d["event"] for d in deliveries if d["event_id"] in created | updated]
    assert sorted(t.run_id for t in tasks) == sorted({page_run(e, owner=True) for e in page_events})
    assert {t.trigger.page_id for t in tasks} == set(pages)
    for task in tasks:
        assert task.trigger.event_id in {
            e["id"] for e in page_events if page_run(e, owner=True) == task.run_id
        }
    assert stack.event_ids(tenant_id) == sorted(created | updated)  # every event is remembered


def test_a_pages_changes_within_a_window_make_one_task_that_waits_for_its_end(stack: Stack) -> None:
    tenant_id, ws = connected(stack, rules=STATUS_EDITS)
    status = schema(stack, "demo", ws["ids"]["tasks_data_source"])["Status"]["id"]
    now = datetime.now(UTC)
    start = datetime.fromtimestamp((now.timestamp() // WINDOW_S) * WINDOW_S, UTC)  # this window's start
    page = {"id": "5c6d7e8f-0000-4000-8000-0000000000aa", "type": "page"}
    first = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"], entity=page)
    edits = [
        first
        | {
            "id": str(uuid.uuid4()),
            "type": "page.properties_updated",
            "timestamp": (start + timedelta(seconds=s)).isoformat(),
            "data": first["data"] | {"updated_properties": [status]},
        }
        for s in (1, 30, 59)
    ]
    first["timestamp"] = start.isoformat()
    results = [signed_post(stack.webhook_url, e).json() for e in (first, *edits)]
    assert [r["result"] for r in results] == ["enqueued", "coalesced", "coalesced", "coalesced"]
    assert {r["detail"] for r in results} == {page_run(first)}
    [pending] = stack.pending(Queue.PLAN)
    scheduled = datetime.fromisoformat(pending["schedule_time"].replace("Z", "+00:00"))
    # READ_LAG after the window's end: its read shows every change of the window, late ones included.
    due = start + timedelta(seconds=WINDOW_S) + READ_LAG
    assert abs((scheduled - due).total_seconds()) < 1.5
    [task] = stack.plan_tasks()
    assert task.trigger.event_id == first["id"] and task.trigger.page_id == page["id"]
    assert stack.event_ids(tenant_id) == sorted(e["id"] for e in (first, *edits))  # each one remembered
    # The next window, another page and a comment on the page each start their own work.
    later = first | {"id": str(uuid.uuid4()), "timestamp": (start + timedelta(seconds=WINDOW_S)).isoformat()}
    other = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"], timestamp=first["timestamp"])
    comment = first | {
        "id": str(uuid.uuid4()),
        "type": "comment.created",
        "entity": {"id": str(uuid.uuid4()), "type": "comment"},
        "data": {"page_id": page["id"], "parent": {"id": page["id"], "type": "page"}},
    }
    assert [signed_post(stack.webhook_url, e).json()["result"] for e in (later, other, comment)] == [
        "enqueued"
    ] * 3
    runs = sorted(t.run_id for t in stack.plan_tasks())
    assert runs == sorted([page_run(first), page_run(later), page_run(other), f"wh-{comment['id']}"])
    # A repeat of an event already merged is a repeat, and creates nothing.
    assert signed_post(stack.webhook_url, edits[0]).json()["result"] == "duplicate"
    assert len(stack.plan_tasks()) == 4


def test_a_pages_next_window_starts_no_second_run_while_its_run_is_active(stack: Stack) -> None:
    """The plan tasks intake made, planned for real (Firestore emulator, Notion sandbox, offline model):
    the page's changes in the next windows find the page's run active and start nothing; when that
    run ends, the latest of them is planned once, through the plan queue, and holds the page in turn."""
    tenant_id, ws = connected(stack, rules=STATUS_EDITS)
    status = schema(stack, "demo", ws["ids"]["ideas_data_source"])["Status"]["id"]
    stack.admin.post("/workspaces/demo/ideas", {"title": "Quarterly offsite", "content": "Two days"})
    created = next(d for d in flush(stack) if d["type"] == "page.created")["event"]
    deps = stack.container.engine()

    def change(offset_windows: int) -> PlanTask:
        at = datetime.fromisoformat(created["timestamp"]) + timedelta(seconds=WINDOW_S * offset_windows)
        event = created | {
            "id": str(uuid.uuid4()),
            "type": "page.properties_updated",
            "timestamp": at.isoformat(),
            "data": created["data"] | {"updated_properties": [status]},
        }
        assert signed_post(stack.webhook_url, event).json() == {
            "result": "enqueued",
            "detail": page_run(event, owner=True),
        }
        return next(t for t in stack.plan_tasks() if t.run_id == page_run(event, owner=True))

    [first] = stack.plan_tasks()
    assert start_run(first, deps) is True
    run = deps.store.get_run(tenant_id, first.run_id)
    assert run is not None and not run.state.status.terminal
    second, third = change(1), change(2)
    assert start_run(second, deps) is False and start_run(third, deps) is False
    assert [r.run_id for r in deps.store.list_runs(tenant_id)] == [first.run_id]
    queued = Counter(t.run_id for t in stack.plan_tasks())
    humans.control(deps, tenant_id, first.run_id, "cancel", "done by hand")
    ended = deps.store.get_run(tenant_id, first.run_id)
    assert ended is not None  # a repeat of the ended run's follow-ups enqueues nothing more
    followups.enqueue_followup(RunLog(deps, tenant_id, first.run_id), ended.state)
    new = Counter(t.run_id for t in stack.plan_tasks()) - queued
    assert new == Counter({third.run_id: 1})  # the latest change only, once
    handed = [t for t in stack.plan_tasks() if t.run_id == third.run_id]
    assert handed == [third, third]  # the change's own task, and the one planned after the run ended
    assert start_run(handed[-1], deps) is True
    assert {r.run_id for r in deps.store.list_runs(tenant_id)} == {first.run_id, third.run_id}
    assert start_run(second, deps) is False  # a late repeat of the older change: the page is held


def test_an_import_starts_a_burst_of_runs_and_schedules_the_rest_one_interval_apart(stack: Stack) -> None:
    """More new pages at once than a workspace's burst (an import): the first are planned; each of
    the others waits its turn as a plan task on the real queue, scheduled one interval after the
    one before, and is planned when it comes."""
    tenant_id, _ = connected(stack)
    # One start a minute (production: 6): planning the burst for real must not outlast an interval.
    settings = stack.settings.replace(webhook_run_rate_per_min=1.0)
    burst, interval_s = settings.webhook_run_burst, 60 / settings.webhook_run_rate_per_min
    for n in range(burst + 2):
        stack.admin.post("/workspaces/demo/ideas", {"title": f"Imported idea {n}"})
    flush(stack)
    tasks = stack.plan_tasks()
    assert len(tasks) == burst + 2 and {t.trigger.event_type for t in tasks} == {"page.created"}
    deps = stack.container.engine()._replace(settings=settings)
    assert [start_run(t, deps) for t in tasks] == [True] * burst + [False] * 2
    assert len(deps.store.list_runs(tenant_id)) == burst
    waiting = [
        (
            datetime.fromisoformat(t["schedule_time"]),
            PlanTask.model_validate_json(base64.b64decode(t["body"])),
        )
        for t in stack.pending(Queue.PLAN)
    ]
    waiting = [(at, task) for at, task in waiting if task.admitted]
    assert [task.run_id for _, task in waiting] == [t.run_id for t in tasks[burst:]]  # in their order
    (first_at, first), (second_at, _) = waiting
    assert abs((second_at - first_at).total_seconds() - interval_s) < 1
    assert datetime.now(UTC) < first_at < datetime.now(UTC) + timedelta(seconds=interval_s)
    assert start_run(first, deps) is True  # its turn: planned at once
    assert len(deps.store.list_runs(tenant_id)) == burst + 1


def test_a_valid_signature_over_another_body_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    stack.admin.post("/webhook/switches", {"tamper_next": 10, "retry_backoff": 0.01})
    stack.admin.post("/workspaces/demo/ideas", {"title": "tampered"})
    deliveries = flush(stack)
    assert deliveries and all(d["tampered"] and d["status"] == 401 for d in deliveries)
    assert stack.plan_tasks() == [] and stack.event_ids(tenant_id) == []


def test_our_own_bots_changes_never_start_work(stack: Stack) -> None:
    tenant_id, ws = connected(stack)
    token = stack.notion_tokens(tenant_id).access_token
    stack.container.notion.notion.with_token(token).add_comment(
        ws["ids"]["idea_newsletter"], "a note from the agent"
    )
    title = {"Name": {"title": [{"text": {"content": "made by the agent"}}]}}
    stack.container.notion.notion.with_token(token).create_page(
        {"data_source_id": ws["ids"]["ideas_data_source"]}, title
    )
    deliveries = flush(stack)
    assert {d["type"] for d in deliveries} >= {"comment.created", "page.created"}
    assert all(d["status"] == 200 for d in deliveries)
    assert stack.plan_tasks() == [] and stack.event_ids(tenant_id) == []


def test_workspace_a_events_never_touch_tenant_b(stack: Stack) -> None:
    tenant_a, _ = connected(stack, "demo")
    tenant_b, _ = connected(stack, "acme")
    assert tenant_a != tenant_b
    stack.admin.post("/workspaces/acme/ideas", {"title": "only for acme"})
    flush(stack)
    tasks = stack.plan_tasks()
    assert [t.tenant_id for t in tasks] == [tenant_b]
    assert stack.event_ids(tenant_a) == [] and len(stack.event_ids(tenant_b)) == 1
    stack.admin.post("/workspaces/demo/ideas", {"title": "only for demo"})
    flush(stack)
    assert sorted(t.tenant_id for t in stack.plan_tasks()) == sorted([tenant_a, tenant_b])
    assert len(stack.event_ids(tenant_a)) == 1 and len(stack.event_ids(tenant_b)) == 1


def test_an_event_recorded_by_an_instance_that_died_before_enqueueing_is_recovered(stack: Stack) -> None:
    tenant_id, ws = connected(stack)
    event = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"])
    now = datetime.now(UTC)
    stack.container.workspace.webhook_events.record(
        tenant_id, event["id"], EventSeen(event["type"], now, now + timedelta(days=7))
    )
    answer = signed_post(stack.webhook_url, event)  # Notion's retry of the delivery that got no answer
    assert answer.status_code == 200 and answer.json()["result"] == "duplicate"
    assert [t.trigger.event_id for t in stack.plan_tasks()] == [event["id"]]
    assert signed_post(stack.webhook_url, event).json()["result"] == "duplicate"
    assert len(stack.plan_tasks()) == 1


def test_rejected_requests_store_nothing(stack: Stack) -> None:
    _, ws = connected(stack)
    event = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"])
    url = stack.webhook_url
    big = json.dumps(event | {"padding": "x" * 70_000}).encode()
    headers = {SIGNATURE_HEADER: signature(VERIFICATION_TOKEN, big), "Content-Type": "application/json"}
    assert httpx.post(url, content=big, headers=headers).status_code == 413
    chunks = (big[i : i + 8192] for i in range(0, len(big), 8192))  # no Content-Length: chunked
    assert httpx.post(url, content=chunks, headers=headers).status_code == 413
    garbage = b"not json at all"
    signed = {SIGNATURE_HEADER: signature(VERIFICATION_TOKEN, garbage)}
    assert httpx.post(url, content=garbage, headers=signed).status_code == 400
    assert httpx.post(url, content=garbage).status_code == 401
    assert httpx.post(url, json=event).status_code == 401  # unsigned
    assert signed_post(url, event, token="secret_wrong").status_code == 401
    malformed = signed_post(url, event | {"id": "has/a/slash"})
    assert malformed.status_code == 400 and "id" in malformed.json()["reason"]
    for field in ("id", "workspace_id"):  # Firestore reserves __x__: it answered 500 before
        reserved = signed_post(url, event | {field: "__x__"})
        assert reserved.status_code == 400 and reserved.json()["fields"] == [
            {"field": field, "problem": "ids of the form __name__ are reserved by the database"}
        ]
    assert signed_post(url, event | {"type": "page.locked"}).json()["result"] == "ignored"
    assert signed_post(url, event | {"workspace_id": "unknown-workspace"}).json()["result"] == "dropped"
    assert httpx.get(url).status_code == 405
    assert stack.plan_tasks() == [] and stack.all_event_records() == []


def test_a_signed_event_from_2024_or_from_far_ahead_starts_nothing_and_stores_nothing(stack: Stack) -> None:
    """A replay of a validly signed event the ledger has forgotten (the red team's, from 2024) is
    acknowledged so that Notion stops delivering it, and dropped; one from far ahead is a 400."""
    _, ws = connected(stack)
    old = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"], timestamp="2024-06-01T12:00:00Z")
    answer = signed_post(stack.webhook_url, old)
    assert answer.status_code == 200 and answer.json()["result"] == "dropped"
    assert "older than" in answer.json()["detail"]
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    future = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"], timestamp=ahead)
    assert signed_post(stack.webhook_url, future).status_code == 400
    assert stack.plan_tasks() == [] and stack.all_event_records() == []
    # The same event with a timestamp of an hour ago is taken: the age alone refused it.
    recent = old | {"timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    assert signed_post(stack.webhook_url, recent).json()["result"] == "enqueued"
    assert len(stack.plan_tasks()) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"entity": {"id": "\ud800", "type": "page"}},  # the probe's: a 500 from Firestore's encoding
        {"type": "page.properties_updated", "data": {"updated_properties": ["\udfff"]}},
    ],
)
def test_a_signed_event_holding_a_lone_surrogate_is_a_400_and_leaves_nothing(
    stack: Stack, change: dict[str, Any]
) -> None:
    tenant_id, ws = connected(stack)
    event = event_for(ws["workspace_id"], ws["ids"]["tasks_data_source"])
    parent = event["data"]
    answer = signed_post(stack.webhook_url, event | change | {"data": parent | change.get("data", {})})
    assert answer.status_code == 400, answer.text
    assert "lone surrogate" in answer.json()["fields"][0]["problem"]
    assert stack.plan_tasks() == [] and stack.event_ids(tenant_id) == []
    assert signed_post(stack.webhook_url, event).json()["result"] == "enqueued"  # the same, without it
