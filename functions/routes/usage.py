"""Usage: what the workspace spent on models today and this month, against its budgets."""

from functions._http import Reply
from functions.routes import Call
from shared import bootstrap
from shared.services import spend
from shared.services.wiring import engine_deps


def get_usage(call: Call) -> Reply:
    return spend.usage(engine_deps(bootstrap.container(), with_model=False), call.tenant_id), 200
