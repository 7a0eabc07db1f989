"""``deploy``: GitHub branch/commit/PR and Vercel deployment for one step of a run (Cloud Tasks).

Only the task body's validation exists yet; the deploy issue fills in the work. Until then a valid
task is answered 501 with that reason, so nothing pretends to have deployed.
"""

from flask import Request, Response

from functions._http import Reply, handle, parse_json
from shared.domain.tasks import DeployTask


def deploy(request: Request) -> Response:
    def call() -> Reply:
        task = parse_json(request, DeployTask)
        reason = f"deploying {task.repository} is not available in this version"
        return {"error": "not_implemented", "reason": reason}, 501

    return handle(request, ("POST",), call)
