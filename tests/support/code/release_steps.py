"""What the tests of a code run's release share (tests/integration/code, tests/redteam): its planned
steps (a pull request, its preview, the merge, production, its health check), a clock the driver
moves past a scheduled retry, and a driver that records what the owner was asked."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.code.adapters.vercel import VercelDeployer
from shared.code.domain.code import DeployRequest
from shared.engine.services import followups, humans
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import RunLog
from shared.platform.topology import Queue
from shared.runs.domain.events import PlannedStep, RunPlanned, ToolResult
from shared.runs.domain.state import fold
from shared.runs.domain.step_task import StepTask
from shared.tools.base import ToolContext, idempotency_key
from tests.support.engine.deploy_steps import VERCEL_TOKEN, Pair

TOOLS = [
    "open_pull_request",
    "deploy_vercel",
    "await_deployment",
    "merge_pull_request",
    "check_production",
    "finish",
]
Step = tuple[str, dict[str, Any]]
OPEN: Step = (
    "open_pull_request",
    {"repository": "acme/site", "title": "Bump", "files": [{"path": "VERSION", "content": "2\n"}]},
)
PREVIEW: Step = ("deploy_vercel", {"project": "site", "repository": "acme/site", "ref": "${steps.1.branch}"})
MERGE: Step = (
    "merge_pull_request",
    {
        "repository": "acme/site",
        "branch": "${steps.1.branch}",
        "sha": "${steps.1.head_sha}",
        "preview_project": "site",
        "preview_deployment": "${steps.2.id}",
    },
)
PRODUCTION: Step = (
    "deploy_vercel",
    {"project": "site", "repository": "acme/site", "ref": "${steps.3.merge_sha}", "target": "production"},
)
AWAIT_PRODUCTION: Step = ("await_deployment", {"project": "site", "deployment_id": "${steps.4.id}"})
HEALTH: Step = (
    "check_production",
    {"project": "site", "deployment_id": "${steps.4.id}", "path": "/api/health"},
)
FINISH: Step = ("finish", {"summary": "released"})
RELEASE: list[tuple[str, dict[str, Any]]] = [
    OPEN,
    PREVIEW,
    MERGE,
    PRODUCTION,
    AWAIT_PRODUCTION,
    HEALTH,
    FINISH,
]


@dataclass
class Clock:
    """Now, moved forward by ``offset`` when the driver skips a scheduled retry's wait."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Driven:
    """What the owner was asked (each request's step and prompt) and the retries waited out."""

    asked: list[tuple[int, str]] = field(default_factory=list)
    waits: int = 0


def start(pair: Pair, steps: list[tuple[str, dict[str, Any]]], tools: list[str] = TOOLS) -> Clock:
    """The run as planned; both functions' clocks made movable."""
    clock = Clock()
    pair.step = pair.step._replace(clock=clock)
    pair.deploy = pair.deploy._replace(clock=clock)
    planned = [PlannedStep(tool=t, args=json.loads(json.dumps(a))) for t, a in steps]
    head = RunPlanned(seq=1, at=clock(), goal="release", trigger="api", steps=planned, tools=tools)
    assert pair.step.store.create_run(pair.tenant, "r1", [head])
    followups.enqueue_followup(RunLog(pair.step, pair.tenant, "r1"), fold([head]))
    return clock


def drive(pair: Pair, clock: Clock, *, approve: bool = True, limit: int = 120) -> Driven:
    """Deliver the queued tasks; a scheduled retry is waited out by moving the clock past it (the
    fake queue delivers at once); each request for approval is recorded, then approved if ``approve``."""
    driven = Driven()
    for _ in range(limit):
        state = pair.state()
        waiting = state.waiting
        if waiting is not None and waiting.purpose == "approval":
            if (waiting.step, waiting.prompt) not in driven.asked:
                driven.asked.append((waiting.step, waiting.prompt))
            if not approve:
                return driven
            humans.respond(pair.step, pair.tenant, "r1", "approve", request_id=waiting.request_id)
        if not pair.queue.tasks:
            return driven
        if state.retry_at is not None and state.retry_at > clock():
            clock.offset += state.retry_at - clock() + timedelta(seconds=2)
            driven.waits += 1
        q, body, _, _ = pair.queue.take()
        if q in (Queue.EXECUTE_STEP, Queue.DEPLOY):
            assert isinstance(body, StepTask)
            run_step(body, pair.deploy if q == Queue.DEPLOY else pair.step)
    return driven


def drive_until_asked(pair: Pair, clock: Clock, step: int) -> Any:
    """Deliver tasks, approving every request before ``step``, until the run asks for ``step``'s: that
    request (left waiting)."""
    while (waiting := pair.state().waiting) is None or waiting.step < step:
        if waiting is not None:
            humans.respond(pair.step, pair.tenant, "r1", "approve", request_id=waiting.request_id)
        drive(pair, clock, approve=False)
    return waiting


def seed_production(
    url: str, project: str = "site", repository: str = "acme/site", gitlab_project_id: int | None = None
) -> str:
    """A production deployment of main, ready and serving production: what a rollback goes back to
    (of a GitLab project when ``gitlab_project_id`` is given)."""
    vercel = VercelDeployer(url + "/vercel", 5.0)
    request = DeployRequest(
        project=project,
        repository=repository,
        ref="main",
        target="production",
        key="seed-1",
        gitlab_project_id=gitlab_project_id,
    )
    made = vercel.create_deployment(VERCEL_TOKEN, request)
    states = [vercel.get_deployment(VERCEL_TOKEN, made.id).state for _ in range(5)]
    assert states[-1] == "READY", states
    return made.id


def drive_checked(pair: Pair, clock: Clock, checks_done: Callable[[], Any], limit: int = 120) -> Driven:
    """As :func:`drive`, approving every request, one task at a time, letting the sandbox's checks
    finish (``checks_done``) after each: what the owner was asked, in order."""
    driven = Driven()
    for _ in range(limit):
        one = drive(pair, clock, limit=1)
        driven.asked += [a for a in one.asked if a not in driven.asked]
        driven.waits += one.waits
        if pair.state().status.terminal or not pair.queue.tasks:
            return driven
        checks_done()
    return driven


def retry_context(pair: Pair, step: int) -> ToolContext:
    """What the deploy function gives ``step``'s tool, as a retry of that step would be given it."""
    model = pair.step.model
    assert model is not None and pair.deploy.code is not None
    key = idempotency_key(pair.tenant, "r1", step)
    return ToolContext(pair.tenant, "r1", step, key, None, model, pair.queue, str, code=pair.deploy.code)


def resolved_args(pair: Pair, step: int) -> dict[str, Any]:
    """The arguments ``step`` ran with, resolved (its result's)."""
    events = pair.step.store.list_events(pair.tenant, "r1")
    return next(e.args for e in events if isinstance(e, ToolResult) and e.step == step)
