"""``plan``: turn a trigger (a Cloud Tasks task) into a run and enqueue its first step."""

from flask import Request, Response

from functions._http import Reply, handle, parse_json
from shared import bootstrap
from shared.domain.tasks import PlanTask
from shared.logs import add_labels
from shared.services.planning import start_run
from shared.services.wiring import engine_deps

bootstrap.preload("store", "queue", "secrets", "tenants", "notion", "model")


def plan(request: Request) -> Response:
    def call() -> Reply:
        task = parse_json(request, PlanTask)
        add_labels(tenant=task.tenant_id, run=task.run_id)
        created = start_run(task, engine_deps(bootstrap.container()))
        return {"run_id": task.run_id, "created": created}, 200

    return handle(request, ("POST",), call)
