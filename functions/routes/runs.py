"""Runs: start one, list them, follow one (timeline), and decide or control it (tenant session)."""

import uuid
from typing import Literal

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call, Route
from shared import bootstrap
from shared.config import Queue
from shared.domain.schema import Schema
from shared.domain.tasks import PlanTask, Trigger
from shared.services import humans, runs
from shared.services.deps import Deps
from shared.services.wiring import engine_deps


class NewRun(Schema):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=2000)
    page_id: str | None = Field(None, max_length=100)
    request_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Makes retries idempotent"
    )


class Note(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=2000)


def _deps() -> Deps:
    return engine_deps(bootstrap.container(), with_model=False)


def _note(call: Call) -> str:
    return parse_json(call.request, Note).text if call.request.get_data() else ""


def start(call: Call) -> Reply:
    body = parse_json(call.request, NewRun)
    run_id = f"api-{body.request_id or uuid.uuid4().hex[:16]}"
    task = PlanTask(
        tenant_id=call.tenant_id,
        run_id=run_id,
        goal=body.goal,
        trigger=Trigger(kind="api", page_id=body.page_id),
    )
    _deps().queue.enqueue(Queue.PLAN, task, f"plan:{call.tenant_id}:{run_id}")
    return {"run_id": run_id, "status": "planning"}, 202


def list_all(call: Call) -> Reply:
    return runs.list_runs(call.tenant_id, bootstrap.container().store), 200


def get_run(call: Call) -> Reply:
    return runs.timeline(call.tenant_id, call.args["run_id"], bootstrap.container().store), 200


def _decide(decision: Literal["approve", "reject", "answer"]) -> Route:
    def handler(call: Call) -> Reply:
        state = humans.respond(_deps(), call.tenant_id, call.args["run_id"], decision, text=_note(call))
        return {"run_id": call.args["run_id"], "status": state.status.value}, 200

    return Route(f"/runs/<run_id>/{decision}", ("POST",), handler)


def _control(action: Literal["cancel", "pause", "resume"]) -> Route:
    def handler(call: Call) -> Reply:
        state = humans.control(_deps(), call.tenant_id, call.args["run_id"], action, _note(call))
        return {"run_id": call.args["run_id"], "status": state.status.value}, 200

    return Route(f"/runs/<run_id>/{action}", ("POST",), handler)


ROUTES = [
    Route("/runs", ("POST",), start),
    Route("/runs", ("GET",), list_all),
    Route("/runs/<run_id>", ("GET",), get_run),
    *(_decide(d) for d in ("approve", "reject", "answer")),
    *(_control(a) for a in ("cancel", "pause", "resume")),
]
