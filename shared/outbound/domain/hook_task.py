"""The outbound tasks, on the notify queue (``POST /outbound`` of notify). ``event``: an event to fan
out to the endpoints that take its type (one delivery each, made once). ``delivery``: one attempt at
one delivery. Neither carries a secret or a URL: notify reads the endpoint and its secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from shared.outbound.domain.events import EventType, Value
from shared.platform.domain.tasks import TaskBody, TaskId

EventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,300}$")]


class HookTask(TaskBody):
    """``kind`` event: ``type``, ``event_id``, ``at`` and ``data`` (its declared fields); delivery:
    ``endpoint_id``, ``delivery_id`` and the ``round`` it was sent in."""

    ROUTE: ClassVar[str] = "/outbound"

    tenant_id: TaskId
    kind: Literal["event", "delivery"]
    type: EventType | None = None
    event_id: EventId | None = None
    at: datetime | None = None
    data: dict[str, Value] = Field(default_factory=dict)
    endpoint_id: Annotated[str, Field(pattern=r"^h[0-9a-f]{16}$")] | None = None
    delivery_id: Annotated[str, Field(pattern=r"^msg_[0-9a-f]{24}$")] | None = None
    round: Annotated[int, Field(ge=0, le=1000)] = 0


def event_task_name(tenant_id: str, event_id: str) -> str:
    """One fan-out per event: a repeat emission is the same task, which the queue refuses."""
    return f"hook-event:{tenant_id}:{event_id}"


def delivery_task_name(tenant_id: str, delivery_id: str, round_: int) -> str:
    """One task per delivery and round: the fan-out run twice makes no second one."""
    return f"hook-delivery:{tenant_id}:{delivery_id}:{round_}"
