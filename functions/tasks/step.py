"""One step task carried out, as execute-step and deploy both answer it: the engine's outcome, a
run that no longer exists acknowledged (the queue drops the task), anything else missing an error
that is logged and retried."""

from functions._http import Reply
from shared.engine.services.engine import RunNotFound, run_step
from shared.platform.errors import AgentError, NotFound
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps


def step_reply(task: StepTask, deps: Deps) -> Reply:
    """Run ``task``'s step with ``deps`` and answer what happened."""
    try:
        outcome = run_step(task, deps)
    except RunNotFound as exc:  # retrying cannot make the run appear: the queue drops the task
        return {"acted": False, "reason": exc.reason}, 200
    except NotFound as exc:  # something else is missing (a secret): an error, logged and retried
        raise AgentError(f"step {task.step} of run {task.run_id}: {exc.reason}") from exc
    body = {"acted": outcome.acted, "status": outcome.status.value, "cursor": outcome.cursor}
    return body | ({"reason": outcome.reason} if outcome.reason else {}), 200
