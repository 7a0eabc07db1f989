"""Bodies of the tasks functions send each other through Cloud Tasks. Small, validated, versionless."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_ID = r"^[A-Za-z0-9_-]{1,128}$"


class TaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanTask(TaskBody):
    """Turn a trigger into a run."""

    tenant_id: str = Field(pattern=_ID)
    run_id: str = Field(pattern=_ID)
    goal: str = Field(min_length=1, max_length=2000)
    trigger: str = Field(min_length=1, max_length=200)


class StepTask(TaskBody):
    """Carry out step ``step`` of one run."""

    tenant_id: str = Field(pattern=_ID)
    run_id: str = Field(pattern=_ID)
    step: int = Field(ge=1, le=10_000)


class NotifyTask(TaskBody):
    """Deliver one notification, at most once per ``notification_id``."""

    notification_id: str = Field(pattern=_ID)
    tenant_id: str = Field(pattern=_ID)
    run_id: str | None = Field(default=None, pattern=_ID)
    channel: str = Field(default="outbox", pattern=r"^(outbox|email|slack|notion_comment)$")
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(max_length=20_000)
    data: dict[str, Any] = Field(default_factory=dict)


class DeployTask(TaskBody):
    """Build and deploy code for one step of a run (filled in by the deploy issue)."""

    tenant_id: str = Field(pattern=_ID)
    run_id: str = Field(pattern=_ID)
    step: int = Field(ge=1)
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
