"""Protocols for every external system. One adapter per system implements each (shared/adapters)."""

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel

from shared.config import Queue
from shared.domain.runs import Run, RunEvent, RunState
from shared.domain.tasks import NotifyTask, TaskBody


class RunStore(Protocol):
    """Runs and their event logs, always scoped to one tenant."""

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        """Create the run with its first events; False if it already exists (nothing written)."""
        ...

    def get_run(self, tenant_id: str, run_id: str) -> Run | None: ...

    def list_events(self, tenant_id: str, run_id: str) -> list[RunEvent]: ...

    def append(
        self, tenant_id: str, run_id: str, expected_seq: int, events: list[RunEvent]
    ) -> RunState | None:
        """Append ``events`` and update the cached state in one write, only if the log still ends at
        ``expected_seq``. Returns the new state, or None when another writer got there first."""
        ...


class TaskQueue(Protocol):
    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        """Create a task named from ``task_id``; False if a task of that name already exists."""
        ...


class SecretStore(Protocol):
    def get(self, name: str) -> str:
        """The latest version's value. Raises ConfigError (platform secret) or NotFound."""
        ...

    def put(self, name: str, value: str) -> None:
        """Add a new version, creating the secret if needed."""
        ...

    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class ModelUsage:
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class ModelReply[T: BaseModel]:
    value: T
    usage: ModelUsage


class Model(Protocol):
    def generate[T: BaseModel](
        self, purpose: Literal["plan", "draft"], prompt: str, schema: type[T]
    ) -> ModelReply[T]:
        """One structured call. Raises ModelFixableError for unusable output, TransientError to retry."""
        ...


class Notifier(Protocol):
    def deliver(self, task: NotifyTask) -> bool:
        """Deliver once; False if this notification id was already delivered."""
        ...
