"""``execute-step``: one step of one run (a Cloud Tasks task), ``POST /sweep`` (Cloud Scheduler)
which re-enqueues runs whose next task was lost, and the Runs rows' tasks (``/row``, ``/decide``,
``/answer``). Duplicates and stale steps are acknowledged (200); a step in progress elsewhere or a
short transient failure answers 503 so the queue retries later. The services of the sweep and of the
rows' tasks load with their path's first request: a step never runs them (decision 0017)."""

from flask import Request, Response

from functions._http import Reply, handle
from functions.tasks.entry import admit, take, take_routed
from functions.tasks.step import step_reply
from shared import bootstrap
from shared.bootstrap import Container
from shared.platform.topology import Queue, Target
from shared.runs.domain.rows_task import AnswerTask, DecideTask, RowTask
from shared.runs.domain.step_task import StepTask

bootstrap.preload("store", "queue", "secrets", "tenants", "notion")


def execute_step(request: Request) -> Response:
    def call(c: Container) -> Reply:
        if (hop := admit(request, c, Target.EXECUTE_STEP)) is not None:
            return hop
        deps = c.engine()
        if request.path.rstrip("/") == "/sweep":
            from shared.engine.services.sweeper import sweep

            return {"requeued": sweep(deps)}, 200
        if (row := take_routed(request, RowTask, "row", c)) is not None:
            from shared.engine.services.run_rows import write_row

            return {"row": write_row(row, deps)}, 200
        if (asked := take_routed(request, DecideTask, "decide", c)) is not None:
            from shared.engine.planning.row_undo import undo_from_row
            from shared.engine.services.run_rows import apply_row_decision

            return {"outcome": apply_row_decision(asked, deps, undo_from_row)}, 200
        if (answer := take_routed(request, AnswerTask, "answer", c)) is not None:
            from shared.engine.services.row_answers import answer_by_comment

            return {"outcome": answer_by_comment(answer, deps)}, 200
        task = take(request, StepTask, Queue.EXECUTE_STEP, c)
        return step_reply(task, deps)

    return handle(request, ("POST",), call)
