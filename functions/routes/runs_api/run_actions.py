"""Runs: decide one (approve, reject, answer the request it waits for) or control it (cancel, pause,
resume), as the workspace's current owner. Apart from ``runs`` so that listing and following runs
does not load the engine."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call, Handler
from functions.routes.runs_api.runs import run_id_of
from shared.engine.services import humans
from shared.platform.domain.schema import Schema
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import Conflict, NotFound
from shared.runs.services import runs
from shared.runs.services.deps import Deps


class Note(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=2000)


class DecisionBody(Note):
    """A decision names the request it decides (``waiting.request_id`` of ``GET /runs/{id}``): a
    retried or stale decision never applies to a request asked after it."""

    request_id: str = Field(min_length=1, max_length=100, description="The request decided on")


def _note(call: Call) -> str:
    return parse_json(call.request, Note).text if call.request.get_data() else ""


def _owned(call: Call, run_id: str, deps: Deps) -> None:
    """Not found unless the run is the workspace's current owner's (``runs.owned_run``)."""
    runs.owned_run(call.tenant_id, run_id, deps.store, deps.need_tenants())


def _decide(decision: humans.Decision) -> Handler:
    def handler(call: Call) -> Reply:
        return decided(call, run_id_of(call), decision, parse_json(call.request, DecisionBody)), 200

    handler.__name__ = handler.__qualname__ = decision  # its path's last segment, its operationId
    return handler


def decided(call: Call, run_id: str, decision: humans.Decision, body: DecisionBody) -> dict[str, Any]:
    """``decision`` on the request ``body`` names, of the caller's workspace's run ``run_id``, by the
    caller (``humans.respond``): the run's status after (the routes, the MCP tool)."""
    deps = call.container.engine(with_model=False)
    _owned(call, run_id, deps)
    state = humans.respond(
        deps,
        call.tenant_id,
        run_id,
        decision,
        text=body.text,
        request_id=body.request_id,
        via=call.via,
        role=call.role,
        by=call.member,
    )
    return {"run_id": run_id, "status": state.status.value}


def _control(action: Literal["cancel", "pause", "resume"]) -> Handler:
    def handler(call: Call) -> Reply:
        run_id = run_id_of(call)
        deps = call.container.engine(with_model=False)
        _owned(call, run_id, deps)
        state = humans.control(deps, call.tenant_id, run_id, action, _note(call))
        return {"run_id": run_id, "status": state.status.value}, 200

    handler.__name__ = handler.__qualname__ = action
    return handler


def retry(call: Call) -> Reply:
    """Retry a failed run from the step it failed at (``humans.retry``): same run, same log."""
    run_id = run_id_of(call)
    deps = call.container.engine(with_model=False)
    _owned(call, run_id, deps)
    state = humans.retry(deps, call.tenant_id, run_id)
    return {"run_id": run_id, "status": state.status.value}, 200


class BulkBody(Schema):
    """Several runs, one action: each run's outcome is its own (one refused does not stop the rest)."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["cancel", "retry"]
    run_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=50)


def bulk(call: Call) -> Reply:
    """Cancel or retry up to 50 runs: 200 with a result per run, in the order asked, each once."""
    body = parse_json(call.request, BulkBody)
    deps = call.container.engine(with_model=False)
    results = []
    for run_id in dict.fromkeys(body.run_ids):
        try:
            if not is_run_id(run_id):
                raise NotFound("no run has this id")
            _owned(call, run_id, deps)
            if body.action == "retry":
                state = humans.retry(deps, call.tenant_id, run_id)
            else:
                state = humans.control(deps, call.tenant_id, run_id, "cancel", "cancelled by the owner")
            results.append({"run_id": run_id, "done": True, "status": state.status.value, "reason": ""})
        except (NotFound, Conflict) as refused:
            results.append({"run_id": run_id, "done": False, "status": None, "reason": str(refused)})
    return {"action": body.action, "results": results}, 200


approve, reject, answer = _decide("approve"), _decide("reject"), _decide("answer")
cancel, pause, resume = _control("cancel"), _control("pause"), _control("resume")
