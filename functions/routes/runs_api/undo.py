"""Undo a run (issue 83): ``GET /runs/{id}/undo`` says what an undo would take back (or why the
caller may not), ``POST /runs/{id}/undo`` starts it, all its effects or chosen ones, as a run of its
own (``shared.engine.planning.undo``). Who may, when and which effects are checked there, before
anything is stored; a repeated request names the same undo run and starts nothing new."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from shared.platform.domain.schema import Schema
from shared.platform.errors import Conflict, Forbidden
from shared.runs.services.runs import owned_run
from shared.undo.domain.asking import MAX_CHOSEN, Asker

if TYPE_CHECKING:
    from shared.runs.domain.state import Run
    from shared.runs.services.deps import Deps


class UndoBody(Schema):
    """Which effects to take back (their ``effect`` numbers, as ``GET /runs/{id}/undo`` lists them);
    left out: every effect of the run that can be undone."""

    model_config = ConfigDict(extra="forbid")
    effects: list[Annotated[int, Field(ge=1)]] | None = Field(
        None, min_length=1, max_length=MAX_CHOSEN, description="The effects to undo (the seq of each result)"
    )


class _Asking(NamedTuple):
    deps: "Deps"
    run: "Run"
    asker: Asker
    by_owner: bool
    reaches: Callable[[str], bool]


def _asking(call: Call) -> _Asking:
    from shared.engine.planning.context import starter_reaches

    deps = call.container.engine(with_model=False)
    run = owned_run(call.tenant_id, run_id_of(call), deps.store, deps.need_tenants())
    tenant = call.tenants.get(call.tenant_id)
    by_owner = tenant is not None and tenant.owner_reach(call.role)

    def reaches(page_id: str) -> bool:
        return tenant is not None and starter_reaches(deps.need_notion(call.tenant_id), tenant, page_id)

    asker = Asker(member=call.member_id, person=call.person, role=call.role)
    return _Asking(deps, run, asker, by_owner, reaches)


def _so_far(deps: "Deps", tenant_id: str, undo_run: str) -> dict[str, Any]:
    """The undo run's status (None: not asked yet) and what it did so far."""
    from shared.engine.planning.undo import undone

    made = deps.store.get_run(tenant_id, undo_run)
    status = made.state.status.value if made is not None else None
    return {"status": status, "undone": undone(deps, tenant_id, undo_run) if made is not None else []}


def offer(call: Call) -> Reply:
    """200: what an undo of the whole run would take back and its state if asked already; or, when
    the caller may not undo it now, ``may`` false and why."""
    from shared.engine.planning import undo

    a = _asking(call)
    try:
        found = undo.offer(a.deps, a.run, a.asker, chosen=None, by_owner=a.by_owner, reaches=a.reaches)
    except (Forbidden, Conflict) as refused:
        return {"may": False, "reason": refused.reason, "undoes": a.run.run_id}, 200
    answer = undo.described(found, a.run.run_id) | _so_far(a.deps, call.tenant_id, found.undo_run)
    return {"may": True, "reason": ""} | answer, 200


def start(call: Call) -> Reply:
    """202: the undo run (made once); with what it did so far when an earlier request made it."""
    from shared.engine.planning.undo import ask_undo

    body = parse_json(call.request, UndoBody) if call.request.get_data() else UndoBody()
    a = _asking(call)
    asked = ask_undo(a.deps, a.run, a.asker, chosen=body.effects, by_owner=a.by_owner, reaches=a.reaches)
    return asked | {"undone": _so_far(a.deps, call.tenant_id, asked["run_id"])["undone"]}, 202
