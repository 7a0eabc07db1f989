"""The platform's ports: the task queue, secrets, the model, pace counters, dead letters, the doctor's checks.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from pydantic import BaseModel

    from shared.platform.domain.dead_letters import DeadLetter
    from shared.platform.domain.model_calls import ModelReply, Tier
    from shared.platform.domain.tasks import TaskBody
    from shared.platform.topology import Queue


class TaskQueue(Protocol):
    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        """Create a task named from ``task_id``; False if a task of that name already exists."""
        ...


class SecretStore(Protocol):
    def get(self, name: str, fresh: bool = False) -> str:
        """The latest version's value. Raises ConfigError (platform secret) or NotFound.
        ``fresh`` bypasses any per-instance cache (e.g. after another instance refreshed a token)."""
        ...

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        """Add a new version, creating the secret if needed; with ``create=False``, NotFound instead
        (a refreshed token goes to the secret its connection has, never to one deleted meanwhile)."""
        ...

    def delete(self, name: str) -> None: ...


class Model(Protocol):
    def generate[T: BaseModel](self, tier: Tier, prompt: str, schema: type[T]) -> ModelReply[T]:
        """One structured call to ``tier``'s model (fast or strong: decision 0159). Raises UnusableReply (a ModelFixableError with the call's usage) for
        output off the schema, TransientError to retry."""
        ...


class StreamingModel(Model, Protocol):
    """A model whose reply can be read as it is written (each adapter through its client library's
    own streaming call). A model without it is still a Model: :func:`shared.platform.services.model_routing.streamed`
    gives its whole reply as one piece."""

    def stream[T: BaseModel](
        self, tier: Tier, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The call of :meth:`Model.generate`, the reply's JSON text given to ``on_text`` piece by
        piece as the model writes it (joined, the pieces are the JSON the reply is read from). It returns
        and raises as ``generate`` does, once the reply is whole. A failure after a piece was given
        is raised as it is: the pieces given are of a reply that never came whole."""
        ...


class PaceCounters(Protocol):
    """``api_paces/{id}``: counters of the api's requests per person and per key in a window of time,
    shared by every api instance (:mod:`shared.platform.services.api_limits`); each expires with its window."""

    def add(self, counters: Sequence[str], expires_at: datetime) -> list[int]:
        """Add one to each named counter, atomically each (not together); the counts after this
        request's, in order. A counter starts at 0 and is deleted at some time after ``expires_at``."""
        ...


class DeadLetterStore(Protocol):
    """``dead_letters/{letter_id}``: task bodies that can never become valid, for an operator."""

    def keep(self, letter: DeadLetter) -> bool:
        """Store the letter; False if it was stored already."""
        ...

    def recent(self, limit: int = 50) -> list[DeadLetter]:
        """The newest letters first."""
        ...


class DoctorChecks(Protocol):
    """``doctor_checks/{check_id}``: what ``make doctor`` sent through each queue and the hop each
    task function answered (shared.platform.services.doctor); removed by TTL."""

    def begin(self, check_id: str, record: dict[str, Any]) -> None:
        """Store a new check."""
        ...

    def record_sent(self, check_id: str, sent: dict[str, Any]) -> None:
        """Record what was enqueued on each queue."""
        ...

    def record_hop(self, check_id: str, queue: str, hop: dict[str, Any]) -> bool:
        """Record the answer of ``queue``'s function; False when the check is unknown."""
        ...

    def get(self, check_id: str) -> dict[str, Any] | None:
        """The check as stored; None when there is none."""
        ...

    def due_for_judgement(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The scheduled checks not judged yet whose ``judge_after`` is at or before ``now``, as
        stored (a check ``make doctor`` starts by hand has none and is never judged)."""
        ...

    def mark_judged(self, check_id: str, failed: list[str]) -> None:
        """Record a scheduled check's verdict (the hops that failed); it is never judged again."""
        ...
