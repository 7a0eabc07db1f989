"""Small hand-written fakes of the ports, for unit tests of our own logic (same Protocols as adapters)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.config import Queue
from shared.domain.runs import Run, RunEvent, RunState, apply, fold
from shared.domain.tasks import NotifyTask, TaskBody
from shared.errors import NotFound


class FakeRunStore:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], Run] = {}
        self.events: dict[tuple[str, str], list[RunEvent]] = {}

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        key = (tenant_id, run_id)
        if key in self.runs:
            return False
        now = datetime.now(UTC)
        self.runs[key] = Run(tenant_id=tenant_id, run_id=run_id, state=fold(events), created_at=now, updated_at=now)
        self.events[key] = list(events)
        return True

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        return self.runs.get((tenant_id, run_id))

    def list_events(self, tenant_id: str, run_id: str) -> list[RunEvent]:
        return list(self.events.get((tenant_id, run_id), []))

    def append(self, tenant_id: str, run_id: str, expected_seq: int, events: list[RunEvent]) -> RunState | None:
        key = (tenant_id, run_id)
        run = self.runs.get(key)
        if run is None:
            raise NotFound(f"run {run_id} does not exist")
        if run.state.last_seq != expected_seq:
            return None
        state = run.state
        for event in events:
            state = apply(state, event)
        self.events[key].extend(events)
        self.runs[key] = run.model_copy(update={"state": state, "updated_at": datetime.now(UTC)})
        return state


@dataclass
class FakeQueue:
    tasks: list[tuple[Queue, TaskBody, str, float]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        if task_id in self.names:
            return False
        self.names.add(task_id)
        self.tasks.append((queue, body, task_id, delay_s))
        return True

    def take(self) -> tuple[Queue, TaskBody, str, float]:
        return self.tasks.pop(0)


@dataclass
class FakeSecrets:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        if name not in self.values:
            raise NotFound(f"secret {name} does not exist")
        return self.values[name]

    def put(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@dataclass
class FakeNotifier:
    delivered: dict[str, NotifyTask] = field(default_factory=dict)

    def deliver(self, task: NotifyTask) -> bool:
        if task.notification_id in self.delivered:
            return False
        self.delivered[task.notification_id] = task
        return True
