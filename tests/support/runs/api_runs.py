"""Shared by several test modules: helpers first written for ``tests/unit/runs/api/test_api_runs.py``."""

import json
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer


def fake_container(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    """The container ``api`` gets, of fakes, with tenant t1 connected."""
    container = FakeContainer()
    now = datetime.now(UTC)
    container.tenants.save(
        Tenant(tenant_id="t1", workspace_id="w1", token_secret="s", created_at=now, updated_at=now)
    )
    return container


STEPS = [
    ("draft_text", {"instructions": "draft"}),
    ("request_approval", {"summary": "ok?"}),
    ("finish", {"summary": "done"}),
]


PLAN = {"goal": "g", "on_reject": "end", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in STEPS]}


def waiting_run(
    fakes: FakeContainer, api: FlaskClient, token: str, request_id: str = "abc"
) -> tuple[str, NotifyTask]:
    fakes.model.script["PlanOut"] = [PLAN]
    body = {"goal": "Write a note", "request_id": request_id}
    answer = api.post("/runs", json=body, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    run_id = str(answer.json["run_id"])
    return run_id, pump(fakes)[-1]


def pump(fakes: FakeContainer) -> list[NotifyTask]:
    deps, notes = fakes.engine(), []
    while fakes.queue.tasks:
        q, body, _, _ = fakes.queue.take()
        if q == Queue.PLAN and isinstance(body, PlanTask):
            start_run(body, deps)
        elif q == Queue.EXECUTE_STEP and isinstance(body, StepTask):
            run_step(body, deps)
        elif isinstance(body, NotifyTask):
            notes.append(body)
    return notes


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
