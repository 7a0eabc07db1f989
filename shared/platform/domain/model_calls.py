"""What a model call returns through the Model port (shared.platform.ports.Model): the value and its usage."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, NamedTuple

from pydantic import BaseModel

type CallKind = Literal["plan", "draft", "review", "answer"]
_KIND: ContextVar[str] = ContextVar("model_call_kind", default="")


class ModelUsage(NamedTuple):
    """One call's tokens and what they cost; the run records it as a ``ModelUsed`` event, which its
    budgets count."""

    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float


class ModelReply[T: BaseModel](NamedTuple):
    value: T
    usage: ModelUsage


@contextmanager
def calls_of(kind: CallKind) -> Iterator[None]:
    """Model calls made inside (in this thread or task) are of ``kind``: what they are for, which
    sets their thinking budget (``Settings.model_thinking_*``). The Model port's ``purpose`` says
    which model answers (plan: the fast one, draft: the strong one), not what the call is for."""
    token = _KIND.set(kind)
    try:
        yield
    finally:
        _KIND.reset(token)


def call_kind(purpose: str) -> str:
    """The kind of the model call being made: as :func:`calls_of` says, else its ``purpose``."""
    return _KIND.get() or purpose
