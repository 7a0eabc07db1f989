"""Shared by several test modules: helpers first written for ``tests/integration/engine/test_deploy_steps.py``."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.code_sandbox.testing import Admin, running_code_sandbox
from shared.code.adapters.github import GitHubCodeHost
from shared.code.adapters.vercel import VercelDeployer
from shared.code.services.code_access import CodeAccess
from shared.engine.services import followups, humans
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import RunLog
from shared.platform.topology import Queue
from shared.runs.domain.events import PlannedStep, RunPlanned, ToolIntent, ToolResult
from shared.runs.domain.state import fold
from shared.runs.domain.step_task import StepTask
from shared.tools import resolve
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.engine_fakes import FakeModel, make_deps, plan_answer
from tests.fakes import FakeQueue, FakeTenantStore

GITHUB_TOKEN, VERCEL_TOKEN = "ghp_test_deploy_steps", "vercel_test_deploy_steps"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[str, Admin]]:
    with running_code_sandbox() as (url, admin):
        yield url, admin


@pytest.fixture
def admin(sandbox: tuple[str, Admin]) -> Admin:
    admin = sandbox[1]
    admin.reset()
    admin.grant_github(GITHUB_TOKEN, ["acme/site"])
    admin.grant_vercel(VERCEL_TOKEN, ["site"])
    return admin


class Pair:
    """Deps of execute-step (no code access) and of deploy (code access), sharing store and queue."""

    def __init__(
        self,
        url: str,
        model: FakeModel,
        connected: bool = True,
        allowed: TenantSettings | None = None,
        tenant: str = "t1",
        **settings: Any,
    ) -> None:
        self.tenant = tenant
        self.step = make_deps(model=model, **settings)
        tenants = FakeTenantStore()
        tenants.save(
            Tenant(
                tenant_id=tenant,
                workspace_id=f"w-{tenant}",
                token_secret=f"notion-token-{tenant}",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
                settings=allowed
                or TenantSettings(github_repositories=["acme/site"], vercel_projects=["site"]),
            )
        )
        if connected:
            self.step.secrets.put(code_token_secret(tenant, Integration.GITHUB), GITHUB_TOKEN)
            self.step.secrets.put(code_token_secret(tenant, Integration.VERCEL), VERCEL_TOKEN)
        code = CodeAccess(
            GitHubCodeHost(url + "/github", 5.0),
            VercelDeployer(url + "/vercel", 5.0, sites_url=url + "/vercel/_sites"),
            self.step.secrets,
            tenants,
        )
        self.step = self.step._replace(tenants=tenants)  # one workspace, as both functions read it
        self.deploy = self.step._replace(code=code, notion_for=None)
        self.taken: list[tuple[Queue, int]] = []

    @property
    def queue(self) -> FakeQueue:
        assert isinstance(self.step.queue, FakeQueue)
        return self.step.queue

    def drive(self, limit: int = 50, *, approve: bool = True) -> None:
        """Deliver the queued steps; ``approve``: the owner, signed in, approves what the run asks
        (a code tool always asks: shared.engine.agent.approvals)."""
        for _ in range(limit):
            waiting = self.state().waiting
            if approve and waiting is not None and waiting.purpose == "approval":
                humans.respond(self.step, self.tenant, "r1", "approve", request_id=waiting.request_id)
            if not self.queue.tasks:
                return
            q, body, _, _ = self.queue.take()
            if q in (Queue.EXECUTE_STEP, Queue.DEPLOY):
                assert isinstance(body, StepTask)
                self.taken.append((q, body.step))
                run_step(body, self.deploy if q == Queue.DEPLOY else self.step)

    def abandoned_intent(self, step: int, tool: str) -> CodeAccess:
        """Record the intent of ``step`` as if its holder died mid-call: its lease ran out five minutes
        ago. Its key has the form of earlier releases (``r1:<step>:1``, without the tenant), which a
        retry keeps. Returns the code access, for the test to make the lost effect."""
        now, state = datetime.now(UTC), self.state()
        intent = ToolIntent(
            seq=state.last_seq + 1,
            at=now - timedelta(minutes=10),
            step=step,
            tool=tool,
            args=resolve(state.steps[step - 1].args, state.outputs),  # as its holder recorded them
            key=f"r1:{step}:1",
            attempt=1,
            lease_until=now - timedelta(minutes=5),
        )
        assert self.step.store.add_event(self.tenant, "r1", intent)
        assert self.deploy.code is not None
        return self.deploy.code

    def reconciled_once(self, step: int) -> bool:
        """``step`` has one result, and it was found again (reconciled) rather than made."""
        events = self.step.store.list_events(self.tenant, "r1")
        results = [e for e in events if isinstance(e, ToolResult) and e.step == step]
        return len(results) == 1 and results[0].reconciled

    def state(self) -> Any:
        run = self.step.store.get_run(self.tenant, "r1")
        assert run is not None
        return run.state


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return plan_answer(*steps, goal="ship it")


PULL = (
    "open_pull_request",
    {
        "repository": "acme/site",
        "title": "Add the launch note",
        "body": "From the Notion page",
        "files": [
            {"path": "notes/launch.md", "content": "${steps.1.text}"},
            {"path": "VERSION", "content": "2\n"},
        ],
    },
)


DRAFT = ("draft_text", {"instructions": "Write the launch note"})


FINISH = ("finish", {"summary": "Opened ${steps.2.url}"})


def start(pair: Pair) -> None:
    """The run as its model planned it, no approval inserted: the engine itself asks the owner before
    each code step (shared.engine.agent.approvals), which Pair.drive approves; the steps keep their numbers."""
    model = pair.step.model
    assert isinstance(model, FakeModel)
    planned = model.script["PlanOut"].pop(0)
    assert isinstance(planned, dict)
    steps = [PlannedStep(tool=s["tool"], args=json.loads(s["args_json"])) for s in planned["steps"]]
    tools = sorted({s.tool for s in steps})
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="ship it", trigger="api", steps=steps, tools=tools)
    assert pair.step.store.create_run(pair.tenant, "r1", [head])
    followups.enqueue_followup(RunLog(pair.step, pair.tenant, "r1"), fold([head]))
