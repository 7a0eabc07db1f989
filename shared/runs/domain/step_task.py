"""The body of one step of a run, on execute-step (or on deploy, for a GitHub/Vercel step)."""

from typing import Annotated

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId

PACED_MAX = 1000


class StepTask(TaskBody):
    """Carry out step ``step`` of one run: on execute-step, or on deploy for a GitHub/Vercel step."""

    tenant_id: TaskId
    run_id: TaskId
    step: Annotated[int, Field(ge=1, le=10_000, strict=True)]
    # Times this step was put back for its Notion turn (``engine._paced``): each waits twice as long.
    paced: Annotated[int, Field(ge=0, le=PACED_MAX, strict=True)] = 0
    # A child's end woke it (a fan_in's wait): it acts before its scheduled retry.
    woken: bool = Field(False, exclude_if=lambda v: not v)
