"""Undo a run. ``GET /runs/{id}/undo`` says what an undo would take back (or why the
caller may not; ``?children=true``: with its child runs'). ``POST /runs/{id}/undo`` starts it as a run
of its own (``shared.engine.planning.undo``): all its effects, chosen ones, or (``children``) every
effect of the run and of the runs it started. Who may, when and which effects are checked there, before
anything is stored; a repeated request names the same undo run and starts nothing new."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from shared.platform.domain.schema import Schema
from shared.platform.errors import Conflict, Forbidden
from shared.runs.services.runs import owned_run
from shared.undo.domain.asking import MAX_CHOSEN, Asker

if TYPE_CHECKING:
    from shared.engine.planning.undo import Asking
    from shared.runs.domain.state import Run
    from shared.runs.services.deps import Deps


class UndoBody(Schema):
    """Which effects to take back (their ``effect`` numbers, as ``GET /runs/{id}/undo`` lists them);
    left out: every effect of the run that can be undone."""

    model_config = ConfigDict(extra="forbid")
    effects: list[Annotated[int, Field(ge=1)]] | None = Field(
        None, min_length=1, max_length=MAX_CHOSEN, description="The effects to undo (the seq of each result)"
    )
    children: bool = Field(
        False,
        description="Also every effect of the runs it started (its map's, hand-offs', debate's), newest first",
    )


class UndoQuery(Schema):
    """``GET /runs/{id}/undo``: with the child runs' effects or not; no other parameter."""

    model_config = ConfigDict(extra="forbid")
    children: bool = Field(False, description="Also every effect of the runs it started")


def _asking(
    call: Call, chosen: Sequence[int] | None, children: bool = False
) -> tuple["Deps", "Run", "Asking"]:
    from shared.engine.planning.context import starter_reaches
    from shared.engine.planning.undo import Asking

    deps = call.container.engine(with_model=False)
    run = owned_run(call.tenant_id, run_id_of(call), deps.store, deps.need_tenants())
    tenant = call.tenants.get(call.tenant_id)
    by_owner = tenant is not None and tenant.owner_reach(call.role)

    def reaches(page_id: str) -> bool:
        return tenant is not None and starter_reaches(deps.need_notion(call.tenant_id), tenant, page_id)

    asker = Asker(member=call.member_id, person=call.person, role=call.role)
    return deps, run, Asking(asker, chosen, by_owner, reaches, children)


def _so_far(deps: "Deps", tenant_id: str, undo_run: str) -> dict[str, Any]:
    """The undo run's status (None: not asked yet) and what it did so far."""
    from shared.engine.planning.undo import undone

    made = deps.store.get_run(tenant_id, undo_run)
    status = made.state.status.value if made is not None else None
    return {"status": status, "undone": undone(deps, tenant_id, undo_run) if made is not None else []}


def offer(call: Call) -> Reply:
    """200: what an undo of the whole run would take back and its state if asked already; or, when
    the caller may not undo it now, ``may`` false and why. Either way ``child_runs``: how many runs
    it started itself (the console offers the undo with them when there are any)."""
    from shared.engine.planning import undo

    query = UndoQuery.model_validate(call.request.args.to_dict())
    deps, run, asked = _asking(call, None, query.children)
    _, child_runs = deps.store.children(call.tenant_id, run.run_id, limit=1)
    try:
        found = undo.offer(deps, run, asked)
    except (Forbidden, Conflict) as refused:
        return {"may": False, "reason": refused.reason, "undoes": run.run_id, "child_runs": child_runs}, 200
    answer = undo.described(found, run.run_id) | _so_far(deps, call.tenant_id, found.undo_run)
    return {"may": True, "reason": "", "child_runs": child_runs} | answer, 200


def start(call: Call) -> Reply:
    """202: the undo run (made once); with what it did so far when an earlier request made it."""
    from shared.engine.planning.undo import ask_undo

    body = parse_json(call.request, UndoBody) if call.request.get_data() else UndoBody()
    deps, run, asking = _asking(call, body.effects, body.children)
    asked = ask_undo(deps, run, asking)
    return asked | {"undone": _so_far(deps, call.tenant_id, asked["run_id"])["undone"]}, 202
