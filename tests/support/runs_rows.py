"""Shared by several test modules: helpers first written for ``tests/integration/test_runs_rows.py``."""

import base64
import json
from typing import Any

import httpx

from local.notion_sandbox import seed_ids
from shared.config import Queue
from shared.domain.tasks import TaskBody
from shared.services.sessions import start_session
from tests.api_fakes import json_body
from tests.integration.notion_stack import Stack

DEMO = seed_ids("demo")


def home(stack: Stack, tenant_id: str) -> str:
    """The owner makes the agent's home (``POST /home``); the Runs data source's id."""
    tenant = stack.container.tenants.get(tenant_id, fresh=True)
    assert tenant is not None
    session = start_session(tenant_id, stack.container.secrets, epoch=tenant.session_epoch)
    answer = stack.client("api").post(
        "/home", json={"parent_page_id": DEMO["home_page"]}, headers={"Authorization": f"Bearer {session}"}
    )
    assert answer.status_code == 200, json_body(answer)
    tenant = stack.container.tenants.get(tenant_id, fresh=True)
    assert tenant is not None and tenant.home is not None and tenant.home.runs is not None
    return tenant.home.runs.data_source_id


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
