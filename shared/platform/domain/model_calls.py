"""What a model call returns through the Model port (shared.platform.ports.Model): the value and its usage;
a reply given in pieces as a streaming stand-in writes it (:func:`give_out`)."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, NamedTuple

from pydantic import BaseModel, ValidationError

from shared.platform.errors import TransientError, UnusableReply

type CallKind = Literal["plan", "draft", "review", "code", "answer"]
CALL_KINDS: tuple[CallKind, ...] = ("plan", "draft", "review", "code", "answer")
# A model family's size a call asks for (decision 0159): the fast, cheap model or the strong one. Not
# what the call is for (its CallKind), nor an agent's own tier (shared.agents.domain.agents.ModelTier).
type Tier = Literal["fast", "strong"]
TIERS: tuple[Tier, ...] = ("fast", "strong")
# What a call is for when no calls_of says: a fast call plans, a strong one drafts; the run's log
# records a call's purpose this way (``ModelUsed.purpose``, as it always has).
TIER_KIND: dict[str, CallKind] = {"fast": "plan", "strong": "draft"}
# The deployment's setting that names each tier's model (their names predate the tiers: decision 0159).
TIER_SETTING: dict[str, str] = {"fast": "plan", "strong": "draft"}
_KIND: ContextVar[str] = ContextVar("model_call_kind", default="")
# What a call of a kind is for, where its thinking budget is its own (decision 0226): a plan asked
# again ("replan"), a repair of a step's arguments ("repair"). Routing still goes by the kind.
type Thinking = Literal["replan", "repair"]
THINKING: tuple[Thinking, ...] = ("replan", "repair")
_THINKING: ContextVar[str] = ContextVar("model_call_thinking", default="")
_FIRST: ContextVar[str] = ContextVar("model_family_first", default="")


class ModelUsage(NamedTuple):
    """One call's tokens and what they cost; the run records it as a ``ModelUsed`` event, which its
    budgets count."""

    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    # The call went to the other model family: which model failed, how, and which one answered
    # instead (shared.platform.services.model_routing); the run's log shows it on the call's event.
    fallback: str = ""
    # Of ``input_tokens``, those Vertex AI's implicit cache served (``cachedContentTokenCount``):
    # billed at :data:`CACHED_INPUT_SHARE` of the input price.
    cached_tokens: int = 0
    # Of ``output_tokens``, the model's thinking (``thoughtsTokenCount``): billed as output, counted
    # apart so a run's log says how much of its output was thought (decision 0214).
    thinking_tokens: int = 0


# What a cached input token costs, as a share of the input price: Vertex AI's implicit caching
# gives "a 90% discount on cached tokens" (Gemini 2.5 and later; decision 0172).
CACHED_INPUT_SHARE = 0.1


def priced(
    model: str, tokens_in: int, tokens_out: int, prices: dict[str, tuple[float, float]], cached: int = 0
) -> ModelUsage:
    """A call's usage at ``prices`` (USD per million input and output tokens by model; none: 0), its
    ``cached`` input tokens (at most ``tokens_in``) at :data:`CACHED_INPUT_SHARE` of the input price."""
    price_in, price_out = prices.get(model, (0.0, 0.0))
    cached = max(0, min(cached, tokens_in))
    billed_in = tokens_in - cached + cached * CACHED_INPUT_SHARE
    return ModelUsage(
        model, tokens_in, tokens_out, (billed_in * price_in + tokens_out * price_out) / 1e6, "", cached
    )


class ModelReply[T: BaseModel](NamedTuple):
    value: T
    usage: ModelUsage


@contextmanager
def calls_of(kind: CallKind, thinking: Thinking | None = None) -> Iterator[None]:
    """Model calls made inside (in this thread or task) are of ``kind``: what they are for, which
    routes them and sets their thinking budget (``Settings.model_thinking_*``), or ``thinking``'s
    when given (:func:`thinking_kind`). The Model port's ``tier`` says which model answers (the fast
    one or the strong one), not what the call is for."""
    token, purpose = _KIND.set(kind), _THINKING.set(thinking or "")
    try:
        yield
    finally:
        _THINKING.reset(purpose)
        _KIND.reset(token)


@contextmanager
def family_first(family: str) -> Iterator[None]:
    """Model calls made inside go to ``family`` first (a debate's participant),
    whatever the routing table says; the fallback still holds. Empty: the routing table's."""
    token = _FIRST.set(family)
    try:
        yield
    finally:
        _FIRST.reset(token)


def first_family() -> str:
    """The family :func:`family_first` chose for the call being made, else empty."""
    return _FIRST.get()


def call_kind(tier: str) -> str:
    """The kind of the model call being made: as :func:`calls_of` says, else its ``tier``'s
    (:data:`TIER_KIND`)."""
    return _KIND.get() or TIER_KIND.get(tier, tier)


def thinking_kind(tier: str) -> str:
    """The key of the thinking budget of the model call being made (``Settings.thinking_budgets``):
    the purpose :func:`calls_of` gave, else the call's kind (:func:`call_kind`)."""
    return _THINKING.get() or call_kind(tier)


def checked[T: BaseModel](schema: type[T], answer: str, usage: ModelUsage) -> T:
    """The model's JSON ``answer`` as ``schema``, validated by pydantic the same way whichever family
    answered; off the schema: UnusableReply carrying the call's ``usage`` (it is paid for)."""
    try:
        return schema.model_validate_json(answer)
    except (ValidationError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200]
        raise UnusableReply(
            f"the answer did not match the {schema.__name__} schema: {reason}", usage
        ) from exc


PIECE_CHARS = 16  # of a streamed reply's JSON, each piece the offline model gives
HELD_S = 30.0  # the longest a held last piece waits for its release


def pieces_of(text: str, size: int = PIECE_CHARS) -> list[str]:
    """``text`` in pieces of ``size`` characters (the last shorter), as a model writing it gives it."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def give_out(text: str, on_text: Callable[[str], None], hold: threading.Event | None = None) -> None:
    """``text`` given to ``on_text`` in pieces (:func:`pieces_of`), the last once ``hold`` is set."""
    pieces = pieces_of(text)
    for piece in pieces[:-1]:
        on_text(piece)
    if hold is not None and not hold.wait(HELD_S):
        raise TransientError(f"the offline model's last piece was held more than {HELD_S:.0f} s")
    if pieces:
        on_text(pieces[-1])
