"""Runs: follow a run (timeline)."""

from functions._http import Reply
from functions.routes import Call, Route
from shared import bootstrap
from shared.services import runs


def get_run(call: Call) -> Reply:
    return runs.timeline(call.tenant_id, call.args["run_id"], bootstrap.container().store), 200


ROUTES = [Route("/runs/<run_id>", ("GET",), get_run)]
