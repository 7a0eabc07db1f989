"""A code run's view (issue 68, point 8): its change file by file, checks, deployments, merge and
approvals, read from its log (``shared.runs.domain.code_view``)."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.runs_api.runs import run_id_of
from shared.runs.services.runs import code_of


def get_code(call: Call) -> Reply:
    return code_of(call.tenant_id, run_id_of(call), call.container.store, call.tenants), 200
