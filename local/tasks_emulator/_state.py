"""The emulator's in-memory state: queues, tasks, name tombstones, holds and counters.

Every read or change happens under ``State.cond`` (one lock for everything: the emulator serves
one developer's tests, not production traffic); changes that may make a task due notify it.
"""

import threading
import time
from dataclasses import asdict, dataclass, field

from local.tasks_emulator._errors import TaskNotFoundError, not_found
from local.tasks_emulator._names import short_id
from local.tasks_emulator._pb import Pb
from local.tasks_emulator._policy import TokenBucket


@dataclass
class QueueRecord:
    queue: Pb  # the Queue message as GetQueue returns it
    bucket: TokenBucket
    running: int = 0  # attempts in flight


@dataclass(eq=False)
class TaskRecord:
    task: Pb  # the FULL Task message
    queue: QueueRecord
    running: int = 0  # attempts in flight (RunTask and test deliveries may overlap)
    execution_count: int = 0  # responses other than 5xx, as X-CloudTasks-TaskExecutionCount
    previous_response: int | None = None
    first_attempt_at: float | None = None

    @property
    def name(self) -> str:
        return str(self.task.name)


@dataclass
class Stats:
    """Counters since start (or reset); attempts, not tasks, for dispatched/succeeded/failed."""

    created: int = 0
    dispatched: int = 0
    succeeded: int = 0
    failed: int = 0
    duplicates_refused: int = 0
    exhausted: int = 0
    deleted: int = 0
    dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class State:
    name_reuse_window_s: float
    min_dispatch_deadline_s: float
    cond: threading.Condition = field(default_factory=threading.Condition)
    queues: dict[str, QueueRecord] = field(default_factory=dict)
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    tombstones: dict[str, float] = field(default_factory=dict)  # task name -> when it went away
    held: set[str] = field(default_factory=set)  # queue names or queue ids
    stats: Stats = field(default_factory=Stats)

    def queue(self, name: str) -> QueueRecord:
        if (record := self.queues.get(name)) is None:
            raise not_found(f"queue {name}")
        return record

    def task(self, name: str) -> TaskRecord:
        if (record := self.tasks.get(name)) is None:
            raise not_found(f"task {name}")
        return record

    def is_held(self, queue_name: str) -> bool:
        return queue_name in self.held or short_id(queue_name) in self.held

    def name_in_use(self, name: str, now: float) -> bool:
        """True if a task has this name or had it within the reuse window."""
        gone_at = self.tombstones.get(name)
        if gone_at is not None and now - gone_at >= self.name_reuse_window_s:
            del self.tombstones[name]
            gone_at = None
        return name in self.tasks or gone_at is not None

    def remove(self, record: TaskRecord, tombstone: bool = True) -> None:
        """Forget a task (executed, deleted, exhausted); its name stays taken for the window."""
        if self.tasks.get(record.name) is record:
            del self.tasks[record.name]
            if tombstone:
                self.tombstones[record.name] = time.time()

    def is_current(self, record: TaskRecord) -> bool:
        return self.tasks.get(record.name) is record

    def resolve(self, name: str) -> TaskRecord:
        """A pending task by full name, or by bare task id when that is unambiguous (test controls)."""
        if name in self.tasks:
            return self.tasks[name]
        matches = [r for r in self.tasks.values() if short_id(r.name) == name]
        if len(matches) != 1:
            raise TaskNotFoundError(f"no pending task {name!r}" + (" (ambiguous id)" if matches else ""))
        return matches[0]
