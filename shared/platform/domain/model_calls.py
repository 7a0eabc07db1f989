"""What a model call returns through the Model port (shared.platform.ports.Model): the value and its usage."""

from typing import NamedTuple

from pydantic import BaseModel


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
