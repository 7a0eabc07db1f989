"""The body of one step of a run, on execute-step (or on deploy, for a GitHub/Vercel step)."""

from pydantic import Field

from shared.domain.tasks import TaskBody, TaskId


class StepTask(TaskBody):
    """Carry out step ``step`` of one run: on execute-step, or on deploy for a GitHub/Vercel step."""

    tenant_id: TaskId
    run_id: TaskId
    step: int = Field(ge=1, le=10_000)
