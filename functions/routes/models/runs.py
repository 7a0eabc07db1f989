"""What the runs' routes answer (``functions.routes.runs``, ``run_actions``)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.events import Risk, RunEvent, RunStatus
from shared.domain.runs import Waiting
from shared.domain.schema import Schema


class RunStarted(Schema):
    """Its planning is queued: the run appears once planned."""

    run_id: str
    status: Literal["planning"]


class RunSummary(Schema):
    """A run as listed (``shared.services.runs``)."""

    run_id: str
    status: RunStatus
    goal: str
    cursor: int = Field(description="The step it is at, from 1")
    steps: int = Field(description="How many steps its plan has")
    risk: Risk
    prompt_version: str
    cost_usd: float
    summary: str = Field(description="How it ended; empty until then")
    waiting: Waiting | None = Field(description="The request it waits for (waiting_for_human)")
    created_at: datetime
    updated_at: datetime


class RunList(Schema):
    """The current owner's runs, newest first."""

    runs: list[RunSummary]


class RunTimeline(RunSummary):
    """The run and the events of its log, in order."""

    events: list[RunEvent]


class RunMoved(Schema):
    """The run's status once the decision or the control is recorded."""

    run_id: str
    status: RunStatus
