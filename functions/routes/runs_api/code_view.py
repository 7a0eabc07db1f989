"""A code run's view: its change file by file, checks, deployments, merge and
approvals, read from its log (``shared.runs.domain.code_view``); and its roll back action, a run of
its own whose one effect the owner approves (``shared.engine.planning.rollback``)."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from shared.engine.planning.rollback import ask_rollback
from shared.runs.services.runs import Viewer, code_of, owned_run


def get_code(call: Call) -> Reply:
    viewer = Viewer.of(call.tenants, call.tenant_id, call.role)
    return code_of(call.tenant_id, run_id_of(call), call.container.runs.store, call.tenants, viewer), 200


def rollback(call: Call) -> Reply:
    """202: the rollback's run, made once whatever how often this is sent; the owner is asked."""
    run_id = run_id_of(call)
    deps = call.container.engine(with_model=False)
    owned_run(call.tenant_id, run_id, deps.store, deps.need_tenants())
    tenant = call.tenants.get(call.tenant_id)
    by_owner = tenant is not None and tenant.owner_reach(call.role)
    log = deps.store.list_events(call.tenant_id, run_id)
    return ask_rollback(deps, call.tenant_id, run_id, log, by_owner=by_owner, person=call.person), 202
