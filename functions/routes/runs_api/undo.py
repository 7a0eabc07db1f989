"""Undo a run (issue 83): ``POST /runs/{id}/undo``, all its effects or chosen ones, as a run of its
own (``shared.engine.planning.undo``). Who may, when and which effects are checked there, before
anything is stored; a repeated request names the same undo run and starts nothing new."""

from typing import Annotated

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from shared.platform.domain.schema import Schema
from shared.runs.services.runs import owned_run
from shared.undo.domain.asking import MAX_CHOSEN, Asker


class UndoBody(Schema):
    """Which effects to take back (their ``effect`` numbers, as ``GET /runs/{id}``'s events number
    them); left out: every effect of the run that can be undone."""

    model_config = ConfigDict(extra="forbid")
    effects: list[Annotated[int, Field(ge=1)]] | None = Field(
        None, min_length=1, max_length=MAX_CHOSEN, description="The effects to undo (the seq of each result)"
    )


def undo(call: Call) -> Reply:
    """202: the undo run (made once); with what it did so far when an earlier request made it."""
    from shared.engine.planning.context import starter_reaches
    from shared.engine.planning.undo import ask_undo, undone

    run_id = run_id_of(call)
    body = parse_json(call.request, UndoBody) if call.request.get_data() else UndoBody()
    deps = call.container.engine(with_model=False)
    run = owned_run(call.tenant_id, run_id, deps.store, deps.need_tenants())
    tenant = call.tenants.get(call.tenant_id)
    by_owner = tenant is not None and tenant.owner_reach(call.role)

    def reaches(page_id: str) -> bool:
        return tenant is not None and starter_reaches(deps.need_notion(call.tenant_id), tenant, page_id)

    asker = Asker(member=call.member_id, person=call.person, role=call.role)
    asked = ask_undo(deps, run, asker, chosen=body.effects, by_owner=by_owner, reaches=reaches)
    return asked | {"undone": undone(deps, call.tenant_id, asked["run_id"])}, 202
