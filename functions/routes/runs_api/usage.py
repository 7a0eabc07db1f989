"""Usage: what the workspace spent on models today and this month, against its budgets."""

from functions._http import Reply
from functions.routes import Call
from shared.runs.services import usage as spend_usage


def get_usage(call: Call) -> Reply:
    return spend_usage.usage(call.container.engine(with_model=False), call.tenant_id), 200
