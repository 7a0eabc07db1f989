"""The Runs database as the run's live view and the place the owner decides: a run's row written by
the engine's follow-up tasks, a waiting run's question shown on it, the owner's Approve in Notion
(a signed event from the sandbox) recorded once, and a member's change refused, set back and
answered. Production Container, Firestore and Cloud Tasks emulators, the Notion sandbox."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from local.notion_sandbox import seed_ids
from shared.config import Queue
from shared.domain.events import HumanRequested, HumanResponded, PlannedStep, RunPlanned, RunStatus
from shared.domain.tasks.rows import DecideTask, RowTask
from shared.services import run_log
from shared.services.run_rows import NOT_THE_OWNER
from tests.api_fakes import json_body
from tests.integration.notion_stack import Stack
from tests.support.run_rows import make_home
from tests.support.webhook_intake import connected

DEMO = seed_ids("demo")


def _tenant_id(stack: Stack) -> str:
    return str(next(iter(stack.db.collection("tenants").stream())).id)


def _waiting_run(stack: Stack, tenant_id: str, run_id: str) -> None:
    """A run planned by the owner that now waits for their approval (written through the run log)."""
    deps, now = stack.container.engine(), datetime.now(UTC)
    steps = [PlannedStep(tool="request_approval", args={"summary": "Publish the page?"})]
    planned = RunPlanned(
        seq=1, at=now, goal="Publish the launch page", trigger="api", steps=steps, tools=["request_approval"]
    )
    asked = HumanRequested(
        seq=2, at=now, request_id="approval-1", step=1, purpose="approval", prompt="Publish the page?"
    )
    assert run_log.create(deps, tenant_id, run_id, [planned, asked])
    logged = run_log.read(deps, tenant_id, run_id)
    assert logged is not None
    run_log.emit_transition(deps, tenant_id, run_id, None, logged.state)


def _run_tasks(stack: Stack, kind: type[RowTask] | type[DecideTask]) -> list[dict[str, Any]]:
    """Deliver the held execute-step tasks of ``kind`` to execute-step; their answers."""
    answers = []
    for held in stack.pending(Queue.EXECUTE_STEP):
        body = json.loads(base64.b64decode(held["body"]))
        if not held["url"].endswith(kind.ROUTE):
            continue
        answer = stack.client("execute_step").post(kind.ROUTE, json=body)
        assert answer.status_code == 200, json_body(answer)
        answers.append(json_body(answer))
        stack.tasks.drop(held["name"])
    return answers


def _row(stack: Stack, source_id: str, run_id: str) -> dict[str, Any]:
    headers = {"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2025-09-03"}
    where = {"filter": {"property": "Run id", "rich_text": {"equals": run_id}}}
    rows = httpx.post(
        f"{stack.sandbox.url}/v1/data_sources/{source_id}/query", json=where, headers=headers
    ).json()
    (row,) = rows["results"]
    return dict(row)


def _select(row: dict[str, Any], name: str) -> str | None:
    chosen = row["properties"][name]["select"]
    return None if chosen is None else str(chosen["name"])


def _set_decision(stack: Stack, row_id: str, value: str, person: str) -> None:
    """``person`` changes the row's Decision in Notion (the sandbox sends the signed event)."""
    body = {"properties": {"Decision": {"select": {"name": value}}}}
    act = {"method": "PATCH", "path": f"/v1/pages/{row_id}", "body": body, "user_id": person}
    assert stack.admin.post("/workspaces/demo/act", act)["status"] == 200
    stack.deliveries()  # flushed to notion-webhook


def _responses(stack: Stack, tenant_id: str) -> list[HumanResponded]:
    events = stack.container.store.list_events(tenant_id, "run-rows-1")
    return [e for e in events if isinstance(e, HumanResponded)]


def test_the_owner_decides_in_notion_once_and_a_member_cannot(stack: Stack) -> None:
    tenant_id, _ = connected(stack)
    tenant = stack.container.tenants.get(tenant_id, fresh=True)
    assert tenant is not None
    runs_source = make_home(stack, tenant_id)
    _waiting_run(stack, tenant_id, "run-rows-1")
    assert _run_tasks(stack, RowTask) == [{"row": "created"}]
    row = _row(stack, runs_source, "run-rows-1")
    assert _select(row, "Status") == "Waiting for you" and _select(row, "Decision") == "Waiting"
    request = "".join(t["plain_text"] for t in row["properties"]["Request"]["rich_text"])
    assert request.startswith("approval-1") and "Publish the page?" in request

    _set_decision(stack, row["id"], "Approve", DEMO["teammate"])  # a member: refused, set back
    assert _run_tasks(stack, DecideTask) == [{"outcome": "refused: not the owner"}]
    row = _row(stack, runs_source, "run-rows-1")
    assert _select(row, "Decision") == "Waiting"
    comments = stack.admin.get("/workspaces/demo/state")["comments"]
    assert any(NOT_THE_OWNER in str(c) for c in comments)
    state = run_log.read(stack.container.engine(), tenant_id, "run-rows-1")
    assert state is not None and state.state.status == RunStatus.WAITING_FOR_HUMAN

    _set_decision(stack, row["id"], "Approve", DEMO["owner"])  # the owner: recorded
    assert _run_tasks(stack, DecideTask) == [{"outcome": "approved request approval-1 of run run-rows-1"}]
    state = run_log.read(stack.container.engine(), tenant_id, "run-rows-1")
    assert state is not None and state.state.status != RunStatus.WAITING_FOR_HUMAN
    decided = _responses(stack, tenant_id)
    assert len(decided) == 1 and decided[0].via == "notion"

    again = DecideTask(tenant_id=tenant_id, page_id=row["id"], event_id="repeat", by_owner=True)
    answer = stack.client("execute_step").post(DecideTask.ROUTE, json=again.model_dump(mode="json"))
    assert json_body(answer)["outcome"].startswith("decides nothing")  # delivered twice: applied once
    assert len(_responses(stack, tenant_id)) == 1
