"""``execute-step``: one step of one run (a Cloud Tasks task), ``POST /sweep`` (Cloud Scheduler)
which re-enqueues runs whose next task was lost, and the Runs rows' tasks (``/row``, ``/decide``,
``/answer``). Duplicates and stale steps are acknowledged (200); a step in progress elsewhere or a
short transient failure answers 503 so the queue retries later. The services of the sweep and of the
rows' tasks load with their path's first request: a step never runs them (decision 0017)."""

from flask import Request, Response

from functions._http import Reply, handle, parse_task
from functions.tasks.caller import check_caller
from functions.tasks.doctor import doctor_hop
from functions.tasks.step import step_reply
from shared import bootstrap
from shared.bootstrap import Container
from shared.platform.logs import add_labels
from shared.platform.topology import Queue, Target
from shared.runs.domain.rows_task import AnswerTask, DecideTask, RowTask
from shared.runs.domain.step_task import StepTask

bootstrap.preload("store", "queue", "secrets", "tenants", "notion")


def execute_step(request: Request) -> Response:
    def call(c: Container) -> Reply:
        check_caller(request, c.settings, Target.EXECUTE_STEP)
        if (hop := doctor_hop(request, c, Target.EXECUTE_STEP)) is not None:
            return hop
        deps = c.engine()
        if request.path.rstrip("/") == "/sweep":
            from shared.engine.services.sweeper import sweep

            return {"requeued": sweep(deps)}, 200
        if request.path.rstrip("/") == RowTask.ROUTE:
            from shared.engine.services.run_rows import write_row

            row = parse_task(request, RowTask, "row", c.dead_letters)
            add_labels(tenant=row.tenant_id, run=row.run_id)
            return {"row": write_row(row, deps)}, 200
        if request.path.rstrip("/") == DecideTask.ROUTE:
            from shared.engine.services.run_rows import apply_row_decision

            asked = parse_task(request, DecideTask, "decide", c.dead_letters)
            add_labels(tenant=asked.tenant_id)
            return {"outcome": apply_row_decision(asked, deps)}, 200
        if request.path.rstrip("/") == AnswerTask.ROUTE:
            from shared.engine.services.row_answers import answer_by_comment

            answer = parse_task(request, AnswerTask, "answer", c.dead_letters)
            add_labels(tenant=answer.tenant_id)
            return {"outcome": answer_by_comment(answer, deps)}, 200
        task = parse_task(request, StepTask, Queue.EXECUTE_STEP, c.dead_letters)
        add_labels(tenant=task.tenant_id, run=task.run_id)
        return step_reply(task, deps)

    return handle(request, ("POST",), call)
