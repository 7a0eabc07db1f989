"""Runs as a stateless reducer over an append-only event log (12-factor agents, factor 12).

``state = fold(events)``. The run document in Firestore caches the state the log implies, so a step
reads one document, decides, acts once and appends; :func:`apply` is the single transition function
used both to update that cache and to replay a log from scratch.
"""

from datetime import datetime
from enum import StrEnum
from functools import reduce
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import InvalidInput


class RunStatus(StrEnum):
    RUNNING = "running"
    WAITING_FOR_HUMAN = "waiting_for_human"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED}


class PlannedStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    rationale: str = ""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int = Field(ge=1)
    at: datetime


class RunPlanned(_Event):
    kind: Literal["run_planned"] = "run_planned"
    goal: str
    trigger: str
    steps: list[PlannedStep]


class ToolResult(_Event):
    kind: Literal["tool_result"] = "tool_result"
    step: int = Field(ge=1)
    tool: str
    output: dict[str, Any] = Field(default_factory=dict)


class RunFinished(_Event):
    kind: Literal["run_finished"] = "run_finished"
    status: RunStatus
    summary: str


RunEvent = Annotated[RunPlanned | ToolResult | RunFinished, Field(discriminator="kind")]


class RunState(BaseModel):
    """What a run's log implies; the run document caches exactly this."""

    model_config = ConfigDict(frozen=True)

    goal: str = ""
    trigger: str = ""
    status: RunStatus = RunStatus.RUNNING
    steps: tuple[PlannedStep, ...] = ()
    cursor: int = 1
    last_seq: int = 0
    summary: str = ""

    def current_step(self) -> PlannedStep:
        return self.steps[self.cursor - 1]


def apply(state: RunState, event: RunEvent) -> RunState:
    """One transition. Events must arrive in sequence: a gap or repeat is a corrupt log."""
    if event.seq != state.last_seq + 1:
        raise InvalidInput(f"event {event.seq} does not follow {state.last_seq}")
    changes: dict[str, Any] = {"last_seq": event.seq}
    match event:
        case RunPlanned():
            changes |= {"goal": event.goal, "trigger": event.trigger, "steps": tuple(event.steps)}
        case ToolResult():
            changes["cursor"] = event.step + 1
        case RunFinished():
            changes |= {"status": event.status, "summary": event.summary}
    return state.model_copy(update=changes)


def fold(events: list[RunEvent]) -> RunState:
    return reduce(apply, events, RunState())


class Run(BaseModel):
    """A run as stored: identity, timestamps and the cached state."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    run_id: str
    state: RunState
    created_at: datetime
    updated_at: datetime
