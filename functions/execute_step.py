"""``execute-step``: one step of one run (a Cloud Tasks task); duplicates are acknowledged."""

from flask import Request, Response

from functions._http import Reply, handle, parse_json
from shared import bootstrap
from shared.domain.tasks import StepTask
from shared.errors import NotFound
from shared.logs import add_labels
from shared.services.runs import run_step

bootstrap.preload("store", "queue")


def execute_step(request: Request) -> Response:
    def call() -> Reply:
        task = parse_json(request, StepTask)
        add_labels(tenant=task.tenant_id, run=task.run_id)
        c = bootstrap.container()
        try:
            outcome = run_step(task, c.store, c.queue)
        except NotFound as exc:
            # Retrying cannot make the run appear: acknowledge so the queue drops the task.
            return {"acted": False, "reason": exc.reason}, 200
        return {"acted": outcome.acted, "status": outcome.status.value, "cursor": outcome.cursor}, 200

    return handle(request, ("POST",), call)
