"""Runs: start one, list them, follow one (timeline), and decide or control it (tenant session)."""

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from functions._http import Reply, parse_json
from functions.routes import Call, Handler
from shared.domain.schema import Schema
from shared.domain.settings import NOTION_ID
from shared.domain.tasks import is_run_id
from shared.errors import NotFound
from shared.services import humans, runs
from shared.services.deps import Deps


class NewRun(Schema):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=2000)
    page_id: str | None = Field(None, pattern=NOTION_ID, description="A Notion page id")
    request_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Makes retries idempotent"
    )

    @field_validator("goal")
    @classmethod
    def _not_blank(cls, goal: str) -> str:
        if not goal.strip():
            raise ValueError("a goal needs some text besides spaces")
        return goal


class Note(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=2000)


class DecisionBody(Note):
    """A decision names the request it decides (``waiting.request_id`` of ``GET /runs/{id}``): a
    retried or stale decision never applies to a request asked after it."""

    request_id: str = Field(min_length=1, max_length=100, description="The request decided on")


def _note(call: Call) -> str:
    return parse_json(call.request, Note).text if call.request.get_data() else ""


def _run_id(call: Call) -> str:
    """The path's run id; one no run can have is not found (nor sent to Firestore, which refuses it)."""
    run_id = call.args["run_id"]
    if not is_run_id(run_id):
        raise NotFound("no run has this id")
    return run_id


def start(call: Call) -> Reply:
    body = parse_json(call.request, NewRun)
    c = call.container
    return runs.request_run(
        call.tenant_id,
        body.goal,
        body.page_id,
        body.request_id,
        tenants=c.tenants,
        requests=c.webhook_events,
        queue=c.queue,
    ), 202


def list_all(call: Call) -> Reply:
    c = call.container
    return runs.list_runs(call.tenant_id, c.store, c.tenants), 200


def get_run(call: Call) -> Reply:
    c = call.container
    return runs.timeline(call.tenant_id, _run_id(call), c.store, c.tenants), 200


def _owned(call: Call, run_id: str, deps: Deps) -> None:
    """Not found unless the run is the workspace's current owner's (``runs.owned_run``)."""
    runs.owned_run(call.tenant_id, run_id, deps.store, deps.need_tenants())


def _decide(decision: humans.Decision) -> Handler:
    def handler(call: Call) -> Reply:
        run_id = _run_id(call)
        body = parse_json(call.request, DecisionBody)
        deps = call.container.engine(with_model=False)
        _owned(call, run_id, deps)
        state = humans.respond(
            deps, call.tenant_id, run_id, decision, text=body.text, request_id=body.request_id, via=call.via
        )
        return {"run_id": run_id, "status": state.status.value}, 200

    return handler


def _control(action: Literal["cancel", "pause", "resume"]) -> Handler:
    def handler(call: Call) -> Reply:
        run_id = _run_id(call)
        deps = call.container.engine(with_model=False)
        _owned(call, run_id, deps)
        state = humans.control(deps, call.tenant_id, run_id, action, _note(call))
        return {"run_id": run_id, "status": state.status.value}, 200

    return handler


approve, reject, answer = _decide("approve"), _decide("reject"), _decide("answer")
cancel, pause, resume = _control("cancel"), _control("pause"), _control("resume")
