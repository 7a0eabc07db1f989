"""The platform's ports faked for unit tests (same Protocols as the adapters): the task queue, the secrets,
the api's pace counters, the dead letters, and a scripted model."""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shared.platform.adapters.offline_model import OfflineModel
from shared.platform.domain.dead_letters import DeadLetter
from shared.platform.domain.model_calls import ModelReply, ModelUsage, give_out
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import NotFound, UnusableReply
from shared.platform.ports import DeadLetterStore, Model, PaceCounters, SecretStore, TaskQueue
from shared.platform.topology import Queue


@dataclass
class FakeQueue(TaskQueue):
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
class FakeSecrets(SecretStore):
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, fresh: bool = False) -> str:
        if name not in self.values:
            raise NotFound(f"secret {name} does not exist")
        return self.values[name]

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        if not create and name not in self.values:
            raise NotFound(f"secret {name} does not exist")
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@dataclass
class FakePaces(PaceCounters):
    """``api_paces/{counter}`` in memory: each counter's count and when it expires."""

    counts: dict[str, int] = field(default_factory=dict)
    expires: dict[str, datetime] = field(default_factory=dict)

    def add(self, counters: Sequence[str], expires_at: datetime) -> list[int]:
        for counter in counters:
            self.counts[counter] = self.counts.get(counter, 0) + 1
            self.expires[counter] = expires_at
        return [self.counts[c] for c in counters]


@dataclass
class FakeDeadLetters(DeadLetterStore):
    letters: dict[str, DeadLetter] = field(default_factory=dict)

    def keep(self, letter: DeadLetter) -> bool:
        if letter.letter_id in self.letters:
            return False
        self.letters[letter.letter_id] = letter
        return True

    def recent(self, limit: int = 50) -> list[DeadLetter]:
        return sorted(self.letters.values(), key=lambda letter: letter.received_at, reverse=True)[:limit]


Answer = dict[str, Any] | Exception | Callable[[str], dict[str, Any]]


@dataclass
class FakeModel(Model):
    """Answers from a script per schema name (dicts, exceptions, or functions of the prompt); when a
    script runs out it falls back to the offline model. Records every prompt. A scripted exception is
    a call nobody paid for; an answer off the schema is paid for (UnusableReply, as the adapter)."""

    script: dict[str, list[Answer]] = field(default_factory=dict)
    cost_usd: float = 0.001
    prompts: list[tuple[str, str]] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)  # each call's tier (the model it would use)
    cached_tokens: int = 0  # of each call's input, what the provider's cache served
    hold: threading.Event | None = None  # a streamed reply's last piece waits for it (OfflineModel's)
    thinking_tokens: int = 0  # of each call's 10 output tokens, the model's thinking

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.prompts.append((schema.__name__, prompt))
        self.tiers.append(tier)
        queue = self.script.get(schema.__name__, [])
        usage = ModelUsage(
            "fake", len(prompt) // 4, 10, self.cost_usd, "", self.cached_tokens, self.thinking_tokens
        )
        if not queue:
            return ModelReply(OfflineModel().generate(tier, prompt, schema).value, usage)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        value = answer(prompt) if callable(answer) else answer
        try:
            return ModelReply(schema.model_validate(value), usage)
        except ValueError as exc:
            raise UnusableReply(f"the answer did not match {schema.__name__}", usage) from exc

    def stream[T: BaseModel](
        self, tier: str, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The reply of :meth:`generate`, its JSON given in the offline model's pieces (the last
        held by ``hold``, as the offline model's)."""
        reply = self.generate(tier, prompt, schema)
        give_out(reply.value.model_dump_json(), on_text, self.hold)
        return reply
