"""Two model families behind one Model port: a routing table by kind of call, and a fallback to the
other family when the routed one cannot answer (decision 0092; docs/models.md).

A call's kind (``model_calls.call_kind``) picks its family from ``NA_MODEL_ROUTES``, its ``tier`` that
family's fast or strong model (decision 0159); a reviewer pass may go to ``NA_MODEL_REVIEW_FAMILY``. On a TransientError,
ModelUnavailable or ConfigError the call goes once to the other family (``NA_MODEL_FALLBACK``), its usage
marked (``ModelUsage.fallback``). An answer off the schema is paid for and re-asked (UnusableReply). When
both fail, a passing failure wins (the task is retried), else the routed family's error is raised."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from shared.platform.domain.model_calls import CallKind, ModelReply, Tier, call_kind, first_family
from shared.platform.errors import AgentError, ConfigError, ModelUnavailable, TransientError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from shared.platform.config import Settings
    from shared.platform.domain.call_caps import CallBound
    from shared.platform.ports import Model

log = logging.getLogger(__name__)

type FamilyName = Literal["gemini", "claude"]
FAMILIES: tuple[FamilyName, ...] = ("gemini", "claude")
# What a family that cannot answer raises: the call goes to the other family.
FAILURES = (TransientError, ModelUnavailable, ConfigError)


class Family(NamedTuple):
    """A model family: how to build its adapter (once, when first asked), and its model for each of
    the port's tiers (fast, strong)."""

    name: FamilyName
    build: Callable[[], Model]
    models: Mapping[str, str]


def other(family: FamilyName) -> FamilyName:
    """The family that is not ``family``."""
    return "claude" if family == "gemini" else "gemini"


def route(
    routes: Mapping[CallKind, FamilyName], kind: str, review: Literal["route", "other"] = "route"
) -> FamilyName:
    """The family that answers a call of ``kind``: the routing table's (gemini for a kind it leaves
    out); a reviewer pass with ``review="other"``: the family that does not draft."""
    if kind == "review" and review == "other":
        return other(routes.get("draft", "gemini"))
    return routes.get(cast("CallKind", kind), "gemini")


def falls_back(exc: BaseException) -> bool:
    """Whether ``exc`` from a family means another family should be asked (not an answer off the
    schema, which is the model's to fix, nor anything that is not the model's)."""
    return isinstance(exc, FAILURES)


def switch_note(failed: str, exc: AgentError, answered: str) -> str:
    """The run log's words for a switch: which model failed, how, and which answered instead."""
    how = "was not available" if isinstance(exc, ModelUnavailable) else "failed"
    return f"{failed} {how} ({exc.reason[:160]}); {answered} answered instead"[:300]


class RoutedModel:
    """The Model port over :class:`Family` adapters, by the routing table, with the fallback."""

    def __init__(
        self,
        families: Mapping[FamilyName, Family],
        routes: Mapping[CallKind, FamilyName],
        *,
        fallback: bool = True,
        review: Literal["route", "other"] = "route",
    ) -> None:
        self._families, self._routes = dict(families), dict(routes)
        self._fallback, self._review = fallback, review
        self._built: dict[str, Model] = {}
        self._lock = threading.Lock()

    def order(self, kind: str) -> list[FamilyName]:
        """The families a call of ``kind`` is asked of, in order (the second only on a failure)."""
        chosen = first_family()
        first = chosen if chosen in self._families else route(self._routes, kind, self._review)
        second = other(first)
        return [first, second] if self._fallback and second in self._families else [first]

    def generate[T: BaseModel](self, tier: Tier, prompt: str, schema: type[T]) -> ModelReply[T]:
        """One structured call to ``tier``'s model (fast or strong), by its kind's route; raises
        as the Model port says, after the fallback (see the module)."""
        return self._routed(tier, lambda model: model.generate(tier, prompt, schema))

    def stream[T: BaseModel](
        self, tier: Tier, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The call of :meth:`generate`, its reply's JSON given to ``on_text`` as it is written
        (:class:`~shared.platform.ports.StreamingModel`). The other family is asked only while
        nothing was given: once a piece went out, a failure is raised as it is."""
        given = [False]

        def passed(text: str) -> None:
            given[0] = True
            on_text(text)

        def call(model: Model) -> ModelReply[T]:
            try:
                return streamed(model, tier, prompt, schema, passed)
            except FAILURES as exc:
                if given[0]:
                    raise _Given(exc) from exc
                raise

        try:
            return self._routed(tier, call)
        except _Given as given_exc:
            raise given_exc.error from given_exc

    def _routed[T: BaseModel](self, tier: Tier, call: Callable[[Model], ModelReply[T]]) -> ModelReply[T]:
        kind: CallKind | str = call_kind(tier)
        failures: list[tuple[str, AgentError]] = []
        for name in self.order(kind):
            family = self._families[name]
            model_name = family.models.get(tier, tier)
            try:
                reply = call(self._model(family))
            except FAILURES as exc:
                failures.append((model_name, exc))
                continue
            if not failures:
                return reply
            failed, error = failures[0]
            note = switch_note(failed, error, reply.usage.model)
            log.warning(
                "model fallback: %s",
                note,
                extra={
                    "fields": {
                        "event": "model_fallback",
                        "kind": kind,
                        "from": failed,
                        "to": reply.usage.model,
                        "error": error.code,
                    }
                },
            )
            return ModelReply(reply.value, reply.usage._replace(fallback=note))
        raise _outcome(failures)

    def _model(self, family: Family) -> Model:
        with self._lock:
            if family.name not in self._built:
                self._built[family.name] = family.build()  # a ConfigError: that family cannot answer
            return self._built[family.name]


class _Given(Exception):  # not an error of its own: a failure after a piece went out
    """A family's failure after part of its reply was given: never a reason to ask the other."""

    def __init__(self, error: AgentError) -> None:
        super().__init__(str(error))
        self.error = error


def streamed[T: BaseModel](
    model: Model, tier: Tier, prompt: str, schema: type[T], on_text: Callable[[str], None]
) -> ModelReply[T]:
    """``model``'s reply to ``prompt``, its JSON given to ``on_text`` as it is written when the model
    streams (``StreamingModel.stream``), else whole in one piece once it came."""
    stream = getattr(model, "stream", None)
    if stream is not None:
        return cast("ModelReply[T]", stream(tier, prompt, schema, on_text))
    reply = model.generate(tier, prompt, schema)
    on_text(reply.value.model_dump_json())
    return reply


def _outcome(failures: list[tuple[str, AgentError]]) -> AgentError:
    """The error of a call no family answered: a passing one if any (the queue retries the task),
    else the routed family's (a retired model names its setting)."""
    passing = [exc for _, exc in failures if isinstance(exc, TransientError)]
    return passing[0] if passing else failures[0][1]


def call_bound(
    settings: Settings, kind: str, tier: Tier, prompt: str, schema: type[BaseModel], *, thinking: str = ""
) -> CallBound:
    """The most a call of ``kind`` to ``tier``'s model (fast or strong) on
    ``prompt`` answering ``schema`` can be billed, as :class:`CallBound` (decision 0102). Its input is
    bounded by its bytes, at the highest prices of the models that may answer it: the tier's model of
    each family calls may go to (the routed one's and its fallback's). Its output cap is the thinking
    budget of its kind (or of ``thinking``, its purpose's) plus the room of the longest answer (Claude
    is sent the same cap; it does not think here)."""
    from shared.platform.domain.call_caps import ANSWER_TOKENS, MIN_ANSWER_TOKENS, CallBound, input_tokens

    s = settings
    if s.model_backend == "offline":
        models = {"offline"}
    else:
        strong = tier == "strong"
        models = {s.model_draft if strong else s.model_plan}
        if s.model_fallback or s.model_review_family == "other" or "claude" in s.model_routes.values():
            models.add(s.model_claude_draft if strong else s.model_claude_plan)
    prices = [s.model_prices.get(m, (0.0, 0.0)) for m in sorted(models)]
    budgets = s.thinking_budgets()
    budget = budgets.get(thinking or kind, max(budgets.values()))
    return CallBound(
        input_tokens(prompt, schema_text(schema)),
        max(p[0] for p in prices),
        max(p[1] for p in prices),
        budget + ANSWER_TOKENS,
        budget + MIN_ANSWER_TOKENS,
    )


@functools.cache
def schema_text(schema: type[BaseModel]) -> str:
    """``schema``'s JSON schema as the model is sent it, made once per answer type and process: making
    it cost each model call ~4 ms, a fifth of an engine step's CPU in the red team's attacks."""
    import json

    return json.dumps(schema.model_json_schema())
