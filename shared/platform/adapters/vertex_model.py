"""Gemini on Vertex AI through google-genai (``genai.Client(vertexai=True, ...)``).

One structured call per ``generate``, the pydantic schema as ``response_schema``; ``stream`` uses
``generate_content_stream``, each chunk's text given as it comes. Usage is priced from the settings'
table, the thinking budget set per call kind (``model_calls.calls_of``), output capped at what the
budgets reserved (``call_caps``). Failures: 408/429/5xx and transport → TransientError; off the schema
or cut at the cap (MAX_TOKENS) → UnusableReply (paid for); model not found → ModelUnavailable; other
4xx → ConfigError. Outside production, or under pytest, only loopback URLs are used."""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
import httpx2
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from shared.platform.adapters.loopback import is_loopback
from shared.platform.config import env_name
from shared.platform.domain.call_caps import ANSWER_TOKENS, output_cap
from shared.platform.domain.model_calls import (
    TIER_SETTING,
    ModelReply,
    ModelUsage,
    checked,
    priced,
    thinking_kind,
)
from shared.platform.errors import ConfigError, ModelUnavailable, TransientError, UnusableReply

logger = logging.getLogger(__name__)

# What the SDK's transport raises for a call that timed out or never connected: httpx2's (what
# google-genai uses), httpx's (what it used before), and the standard library's.
_TRANSPORT_ERRORS = (httpx2.TransportError, httpx.TransportError, TimeoutError, ConnectionError)


def check_reachable(base_url: str, production: bool) -> None:
    """Refuse a real endpoint unless this is production and not a test run."""
    if (not production or "PYTEST_CURRENT_TEST" in os.environ) and not (
        base_url and is_loopback(urlparse(base_url).hostname or "")
    ):
        raise ConfigError(
            "the vertex model is only reachable in production; set NA_MODEL_BASE_URL to a loopback "
            "stub, or NA_MODEL_BACKEND=offline"
        )


@dataclass(frozen=True)
class OnVertex:
    """How an adapter reaches Vertex AI: ``project`` and its ``location``; ``base_url``, a stand-in's
    (empty: Vertex AI's own); ``production`` (a real endpoint only then: :func:`check_reachable`);
    ``credentials`` (None: Application Default Credentials); each request's timeout."""

    project: str
    location: str = "global"
    base_url: str = ""
    production: bool = False
    credentials: Any = None
    timeout_s: float = 120.0

    def genai_client(self) -> genai.Client:
        """google-genai's client on Vertex AI, once the endpoint is allowed (:func:`check_reachable`)."""
        check_reachable(self.base_url, self.production)
        timeout_ms = int(self.timeout_s * 1000)
        options = (
            types.HttpOptions(base_url=self.base_url, timeout=timeout_ms)
            if self.base_url
            else types.HttpOptions(timeout=timeout_ms)
        )
        return genai.Client(
            vertexai=True,
            project=self.project,
            location=self.location,
            credentials=self.credentials,
            http_options=options,
        )


class VertexModel:
    def __init__(
        self,
        vertex: OnVertex,
        models: dict[str, str],
        prices: dict[str, tuple[float, float]],
        *,
        thinking: dict[str, int] | None = None,
    ) -> None:
        self._client = vertex.genai_client()
        self._models, self._prices, self._location = models, prices, vertex.location
        self._thinking = thinking or {}  # call kind → thinking budget in tokens (Settings.thinking_budgets)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        """One structured call; raises as the module says."""

        def whole(model: str, config: types.GenerateContentConfig) -> tuple[str, Any]:
            response = self._client.models.generate_content(model=model, contents=prompt, config=config)
            return response.text or "", response

        return self._call(tier, schema, whole)

    def stream[T: BaseModel](
        self, tier: str, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The call of :meth:`generate` through google-genai's ``generate_content_stream`` (Vertex AI's
        ``streamGenerateContent``): each chunk's text given to ``on_text`` as it comes, the usage and
        finish reason read from the last chunk; raises as ``generate``."""

        def streamed(model: str, config: types.GenerateContentConfig) -> tuple[str, Any]:
            said, last = "", None
            for chunk in self._client.models.generate_content_stream(
                model=model, contents=prompt, config=config
            ):
                piece, last = chunk.text or "", chunk
                if piece:
                    said += piece
                    on_text(piece)
            if last is None:
                raise TransientError("model: the stream ended before any chunk")
            return said, last

        return self._call(tier, schema, streamed)

    def _call[T: BaseModel](
        self,
        tier: str,
        schema: type[T],
        send: Callable[[str, types.GenerateContentConfig], tuple[str, Any]],
    ) -> ModelReply[T]:
        """The structured call made by ``send`` (given the model and config: the reply's text and the
        response whose usage and finish reason count)."""
        model = self._models[tier]
        budget = self._thinking.get(thinking_kind(tier))  # None: the model's own default
        # The most it may write, thinking included (Vertex AI counts thoughts within it): the
        # budgets' choice (call_caps.output_cap, decision 0102), else its kind's normal cap.
        cap = output_cap((budget or 0) + ANSWER_TOKENS)
        config = types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=schema,
            max_output_tokens=cap,
            thinking_config=None
            if budget is None
            else types.ThinkingConfig(thinking_budget=min(budget, cap)),
        )
        try:
            text, response = send(model, config)
        except errors.APIError as exc:
            if _not_found(exc):
                raise self._unavailable(tier, model, exc) from exc
            raise classify(exc) from exc
        except _TRANSPORT_ERRORS as exc:
            raise TransientError(f"model: {exc.__class__.__name__}") from exc
        usage = self._usage(model, response)  # read first: an answer off the schema is paid for too
        log_used(model, tier, usage, thinking_tokens=usage.thinking_tokens, cached_tokens=usage.cached_tokens)
        if _finish(response) == "MAX_TOKENS":
            raise cut_short(cap, usage)
        return ModelReply(checked(schema, text, usage), usage)

    def _unavailable(self, tier: str, model: str, exc: errors.APIError) -> ModelUnavailable:
        """The error that stops the run, and the log line the operator's alert counts."""
        variable = f"model_{TIER_SETTING[tier]}"
        setting = env_name(variable)
        return unavailable(
            model,
            f"HTTP {exc.code}: retired, misspelt or not offered there",
            self._location,
            f"{setting} (terraform variable {variable})",
        )

    def _usage(self, model: str, response: Any) -> ModelUsage:
        meta = response.usage_metadata
        tokens_in = int(getattr(meta, "prompt_token_count", 0) or 0)
        # A thinking model's thoughts are billed as output tokens, beside the answer's (Gemini 2.5
        # thinks by default): counted both, or the budgets would see a fraction of the bill.
        answer = int(getattr(meta, "candidates_token_count", 0) or 0)
        tokens_out = answer + _thoughts(response)
        # The part of the prompt Vertex AI's implicit cache served, at a tenth of the input price.
        cached = int(getattr(meta, "cached_content_token_count", 0) or 0)
        return priced(model, tokens_in, tokens_out, self._prices, cached)._replace(
            thinking_tokens=_thoughts(response)
        )


def log_used(model: str, tier: str, usage: ModelUsage, **fields: Any) -> None:
    """The ``model_used`` line of a paid call, whichever family: the dashboard's model spend
    (terraform/monitoring.tf) sums its cost_usd."""
    logger.info(
        "model %s (%s): $%.6f",
        model,
        tier,
        usage.cost_usd,
        extra={
            "fields": {
                "event": "model_used",
                "model": model,
                "tier": tier,
                "cost_usd": usage.cost_usd,
                **fields,
            }
        },
    )


def unavailable(model: str, why: str, location: str, setting: str) -> ModelUnavailable:
    """A model that does not exist for the project (retired, misspelt, not offered in ``location``):
    the error naming the ``setting`` to change, and the log line the operator's alert counts."""
    name = setting.split(" ", 1)[0]
    logger.error(
        "model %s (%s) is not available: %s",
        model,
        name,
        why,
        extra={"fields": {"event": "model_unavailable", "model": model, "setting": name}},
    )
    return ModelUnavailable(
        f"the model {model!r} is not available on Vertex AI in {location} ({why}); set {setting} to "
        "a current model and give it a price in NA_MODEL_PRICES"
    )


def cut_short(cap: int, usage: ModelUsage) -> UnusableReply:
    """A reply the service cut at the call's output cap, whichever family: refused as unusable
    (paid; the caller asks again or stops on its budget), never read as a whole answer, even when
    what was cut happens to parse."""
    return UnusableReply(
        f"the answer was cut at its cap of {cap} output tokens before it ended (the budget left "
        "allowed no more, or the model wrote past the longest answer asked for)",
        usage,
    )


def _finish(response: Any) -> str:
    """The first candidate's finish reason by name (MAX_TOKENS: cut at the output cap; none: "")."""
    candidates = getattr(response, "candidates", None) or []
    reason = getattr(candidates[0], "finish_reason", None) if candidates else None
    return str(getattr(reason, "name", reason) or "")


def _thoughts(response: Any) -> int:
    """The thinking tokens of a reply (``usage_metadata.thoughts_token_count``; none: 0)."""
    return int(getattr(response.usage_metadata, "thoughts_token_count", 0) or 0)


def _not_found(exc: errors.APIError) -> bool:
    """A model that does not exist: 404, or NOT_FOUND in the status of another 4xx."""
    return int(exc.code or 0) == 404 or str(exc.status or "").upper() == "NOT_FOUND"


def classify(exc: errors.APIError) -> Exception:
    return refused(int(exc.code or 0), str(exc.message or ""))


def refused(code: int, message: str) -> Exception:
    """A model call refused with HTTP ``code`` as our kind, whichever family: 408, 429 and 5xx pass
    (retried, or tried on the other family); other 4xx are the deployment's to fix."""
    if code in (408, 429) or code >= 500:
        return TransientError(f"model: HTTP {code}")
    return ConfigError(f"model refused the call: HTTP {code} {message[:200]}")
