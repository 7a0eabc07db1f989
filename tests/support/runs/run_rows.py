"""Shared by several test modules: the agent's home made through the api, a run started from a
scripted plan on a page (no model call to plan it), the queues driven by hand, and a run's row read
and changed in Notion as a person would."""

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from local.notion_sandbox import seed_ids
from shared.engine.services import run_log
from shared.platform.domain.tasks import TaskBody
from shared.platform.topology import Queue
from shared.runs.domain.events import PlannedStep, RunPlanned
from shared.runs.services.deps import Deps
from shared.team.services.sessions import start_session
from tests.integration.notion_stack import Stack
from tests.support.platform.fake_container import json_body

DEMO = seed_ids("demo")


def session(stack: Stack, tenant_id: str) -> str:
    """A session of the workspace's owner."""
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None
    return start_session(tenant_id, stack.container.platform.secrets, epoch=tenant.session_epoch)


def make_home(stack: Stack, tenant_id: str) -> str:
    """``POST /home`` under the demo's home page; the Runs data source's id."""
    answer = stack.client("api").post(
        "/home",
        json={"parent_page_id": DEMO["home_page"]},
        headers={"Authorization": f"Bearer {session(stack, tenant_id)}"},
    )
    assert answer.status_code == 200, json_body(answer)
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None and tenant.home is not None and tenant.home.runs is not None
    return tenant.home.runs.data_source_id


READ_PAGES = (DEMO["task_report"], DEMO["task_invoices"], DEMO["task_release"])


def reading_steps(reads: int, summary: str = "Read the pages.") -> list[PlannedStep]:
    """A plan of ``reads`` page reads, never the same page twice in a row (that would be a loop the
    engine stops), then a finish with ``summary``."""
    steps = [PlannedStep(tool="read_page", args={"page_id": READ_PAGES[i % 3]}) for i in range(reads)]
    return [*steps, PlannedStep(tool="finish", args={"summary": summary})]


def scripted_run(deps: Deps, tenant_id: str, run_id: str, page_id: str, steps: list[PlannedStep]) -> None:
    """Start run ``run_id`` about ``page_id`` with ``steps`` as its plan, as planning would: created
    through the run log, its first step, row and notes enqueued."""
    tools = sorted({s.tool for s in steps})
    planned = RunPlanned(
        seq=1,
        at=datetime.now(UTC),
        goal=f"Work on {run_id}",
        trigger="api",
        steps=steps,
        tools=tools,
        page_id=page_id,
    )
    assert run_log.RunLog(deps, tenant_id, run_id).create([planned])
    logged = run_log.RunLog(deps, tenant_id, run_id).read()
    assert logged is not None
    run_log.RunLog(deps, tenant_id, run_id).emit_transition(None, logged.state)


TARGETS = {Queue.EXECUTE_STEP: "execute_step", Queue.NOTIFY: "notify"}


def drive(stack: Stack, rounds: int = 500) -> list[dict[str, Any]]:
    """Deliver the held tasks of execute-step and notify, each once and at once (a row's delayed task
    too), until none is left; their bodies, in delivery order. Each answer must be a 200."""
    delivered: list[dict[str, Any]] = []
    for _ in range(rounds):
        held = [t for queue in TARGETS for t in stack.pending(queue)]
        if not held:
            return delivered
        for task in held:
            body = json.loads(base64.b64decode(task["body"]))
            path = urlsplit(task["url"]).path or "/"
            answer = stack.client(TARGETS[Queue(task["queue_id"])]).post(path, json=body)
            assert answer.status_code == 200, (path, json_body(answer))
            stack.tasks.drop(task["name"])
            delivered.append(body)
    raise AssertionError(f"tasks still held after {rounds} rounds")


def run_tasks(stack: Stack, kind: type[TaskBody], client: str = "execute_step") -> list[dict[str, Any]]:
    """Deliver the held execute-step tasks of ``kind`` to ``client``, oldest first; their answers."""
    answers = []
    for held in stack.pending(Queue.EXECUTE_STEP):
        body = json.loads(base64.b64decode(held["body"]))
        if not held["url"].endswith(kind.ROUTE):
            continue
        answer = stack.client(client).post(kind.ROUTE, json=body)
        assert answer.status_code == 200, json_body(answer)
        answers.append(json_body(answer))
        stack.tasks.drop(held["name"])
    return answers


def row(stack: Stack, source_id: str, run_id: str) -> dict[str, Any]:
    """Run ``run_id``'s one row in the Runs data source, as Notion returns it."""
    headers = {"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2025-09-03"}
    where = {"filter": {"property": "Run id", "rich_text": {"equals": run_id}}}
    rows = httpx.post(
        f"{stack.sandbox.url}/v1/data_sources/{source_id}/query", json=where, headers=headers
    ).json()
    (found,) = rows["results"]
    return dict(found)


def select(page: dict[str, Any], name: str) -> str | None:
    chosen = page["properties"][name]["select"]
    return None if chosen is None else str(chosen["name"])


def set_decision(stack: Stack, row_id: str, value: str, person: str) -> None:
    """``person`` changes the row's Decision in Notion (the sandbox sends the signed event)."""
    body = {"properties": {"Decision": {"select": {"name": value}}}}
    act = {"method": "PATCH", "path": f"/v1/pages/{row_id}", "body": body, "user_id": person}
    assert stack.admin.post("/workspaces/demo/act", act)["status"] == 200
    stack.deliveries()  # flushed to notion-webhook
