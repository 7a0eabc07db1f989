"""The body of one step of a run, on execute-step (or on deploy, for a GitHub/Vercel step)."""

from pydantic import Field

from shared.domain.tasks import ID_PATTERN, TaskBody


class StepTask(TaskBody):
    """Carry out step ``step`` of one run: on execute-step, or on deploy for a GitHub/Vercel step."""

    tenant_id: str = Field(pattern=ID_PATTERN)
    run_id: str = Field(pattern=ID_PATTERN)
    step: int = Field(ge=1, le=10_000)
