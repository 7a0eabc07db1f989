"""What one model call may cost at most, and the output cap that keeps it there. A
provider bills a call's input and output tokens (a thinking model's thoughts among them) and never writes
more output than the call's cap (Gemini's ``max_output_tokens``, thinking included; Claude's
``max_tokens``). So a call of bounded input and a cap we choose costs at most :meth:`CallBound.cost` of that
cap. The budgets reserve that bound before the call (``shared.runs.services.spend.model_call``) and choose
the cap from their room (:meth:`CallBound.cap_within`); the adapters send it (:func:`output_cap`). Pure: no
settings, no I/O; ``shared.platform.services.model_routing.call_bound`` makes a bound from the settings.
Why: docs/decisions/0102."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from math import floor
from typing import NamedTuple

# Room for the longest answer we ask for (a draft of 20,000 characters, a plan of 500 steps); an
# answer cut at a lower cap is refused as cut (UnusableReply), never read as a whole one.
ANSWER_TOKENS = 16_000
# The least room for an answer a call is made with: below it the call is not made (a budget stop).
MIN_ANSWER_TOKENS = 1_024
# What a family adds to a request's text, in tokens, at most: the roles and turn markers, Claude's
# tool-use system prompt (some 350 tokens, Anthropic's tool-use pricing table), the JSON schema's
# framing. The schema's own text and the prompt's are counted byte for byte (input_tokens).
REQUEST_OVERHEAD_TOKENS = 1_024


def input_tokens(*texts: str) -> int:
    """An upper bound of the input tokens a call on ``texts`` (its prompt, its schema as JSON) is billed:
    one token per UTF-8 byte, plus :data:`REQUEST_OVERHEAD_TOKENS`. A token of a byte-level or byte-fallback
    vocabulary stands for at least one byte of the text."""
    return sum(len(t.encode("utf-8")) for t in texts) + REQUEST_OVERHEAD_TOKENS


class CallBound(NamedTuple):
    """One call's price as an upper bound: ``input_tokens`` (:func:`input_tokens`) at ``price_in``
    and up to a cap of output tokens at ``price_out`` (USD per million; the highest of the models that
    may answer it, its routed family's and its fallback's). ``normal_cap``: the output tokens the call
    is sent with when every budget has room (its thinking budget plus :data:`ANSWER_TOKENS`);
    ``least_cap``: the fewest it is made with at all (its thinking budget plus
    :data:`MIN_ANSWER_TOKENS`)."""

    input_tokens: int
    price_in: float
    price_out: float
    normal_cap: int
    least_cap: int

    def cost(self, cap: int) -> float:
        """The most a call sent with an output cap of ``cap`` tokens can be billed, in USD."""
        return (self.input_tokens * self.price_in + cap * self.price_out) / 1e6

    @property
    def most(self) -> float:
        """What the call reserves when every budget has room: :meth:`cost` of ``normal_cap``."""
        return self.cost(self.normal_cap)

    @property
    def least(self) -> float:
        """The least reservation the call is made with: :meth:`cost` of ``least_cap``."""
        return self.cost(self.least_cap)

    def cap_within(self, usd: float) -> int:
        """The largest output cap, at most ``normal_cap``, whose :meth:`cost` is at most ``usd``; 0
        when not even ``least_cap`` fits (the call is not made)."""
        if self.cost(self.least_cap) > usd:
            return 0
        if self.price_out <= 0:
            return self.normal_cap
        cap = min(self.normal_cap, floor((usd * 1e6 - self.input_tokens * self.price_in) / self.price_out))
        while cap > self.least_cap and self.cost(cap) > usd:  # a float's last bit
            cap -= 1
        return max(cap, self.least_cap)


class CallLimit(NamedTuple):
    """What the call being made may be sent with: ``output_tokens``, its cap, and ``reserved_usd``,
    what the budgets reserved for it (the cap's :meth:`CallBound.cost`)."""

    output_tokens: int
    reserved_usd: float


_LIMIT: ContextVar[CallLimit | None] = ContextVar("model_call_limit", default=None)


@contextmanager
def limited(limit: CallLimit) -> Iterator[None]:
    """Model calls made inside (in this thread or task) are sent with ``limit``'s output cap."""
    token = _LIMIT.set(limit)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def current_limit() -> CallLimit | None:
    """The limit of the call being made (:func:`limited`), or None outside a budgeted call."""
    return _LIMIT.get()


def output_cap(normal: int) -> int:
    """The output cap to send: the budgeted call's (:func:`limited`), never above ``normal``; outside
    a budgeted call (a test of an adapter alone), ``normal``."""
    limit = _LIMIT.get()
    return normal if limit is None else min(normal, limit.output_tokens)
