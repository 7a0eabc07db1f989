"""Claude on Vertex AI through Anthropic's SDK for Vertex (``anthropic.AnthropicVertex``, decision 0092).

One structured call per ``generate``: the pydantic schema as the one tool Claude must call, its input
validated as Gemini's is (``model_calls.checked``). ``stream`` uses the SDK's ``messages.stream``,
giving the tool input's ``input_json_delta`` pieces as they come. Usage is priced from the settings'
table; the SDK's retries are off. Failures: 408/429/5xx/529 and transport → TransientError; off the
schema → UnusableReply (paid for); model not found → ModelUnavailable; other 4xx → ConfigError.
Outside production, or under pytest, only loopback URLs are used (as for Gemini)."""

import json
from collections.abc import Callable
from typing import Any

import anthropic
from anthropic import AnthropicVertex
from anthropic.types import MessageParam, ToolChoiceToolParam, ToolParam
from pydantic import BaseModel

from shared.platform.adapters.vertex_model import (
    OnVertex,
    check_reachable,
    cut_short,
    log_used,
    refused,
    unavailable,
)
from shared.platform.config import env_name
from shared.platform.domain.call_caps import ANSWER_TOKENS, output_cap
from shared.platform.domain.model_calls import (
    TIER_SETTING,
    ModelReply,
    ModelUsage,
    call_kind,
    checked,
    priced,
)
from shared.platform.errors import ModelUnavailable, TransientError

# The version Vertex AI's Claude endpoint documents in the body ("Request predictions with Claude
# models"); the SDK would send the Messages API's own date only if none is given.
VERTEX_VERSION = "vertex-2023-10-16"
# Room for the longest answer we ask for (a draft of 20,000 characters, a plan of 500 steps). It is
# the cap a call is sent with unless the budgets choose a lower one (call_caps.output_cap, decision
# 0102); an answer cut at its cap (stop_reason max_tokens) is UnusableReply, paid for.
MAX_TOKENS = ANSWER_TOKENS


class ClaudeVertexModel:
    """The Model port (shared.platform.ports.Model) on Claude: ``models`` maps the port's tier
    (fast or strong) to a Claude model name on Vertex AI."""

    def __init__(
        self,
        vertex: OnVertex,
        models: dict[str, str],
        prices: dict[str, tuple[float, float]],
        *,
        access_token: str | None = None,
    ) -> None:
        """``access_token`` or ``vertex.credentials``: how the SDK authenticates (neither: Application
        Default Credentials, the function's service account); a stand-in takes any token."""
        check_reachable(vertex.base_url, vertex.production)
        self._client = AnthropicVertex(
            region=vertex.location,
            project_id=vertex.project,
            access_token=access_token,
            credentials=vertex.credentials,
            base_url=vertex.base_url or None,
            timeout=vertex.timeout_s,
            max_retries=0,
        )
        self._models, self._prices, self._location = models, prices, vertex.location

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        """One structured call; raises as the module says."""
        return self._call(tier, prompt, schema, self._client.messages.create)

    def stream[T: BaseModel](
        self, tier: str, prompt: str, schema: type[T], on_text: Callable[[str], None]
    ) -> ModelReply[T]:
        """The call of :meth:`generate` through the SDK's ``messages.stream``: each ``input_json_delta``
        of the tool's input given to ``on_text`` as it comes (the input's JSON as Claude writes it),
        the reply read from the final message; raises as ``generate``."""

        def streamed(**call: Any) -> Any:
            with self._client.messages.stream(**call) as events:
                for event in events:
                    if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                        on_text(event.delta.partial_json)
                return events.get_final_message()

        return self._call(tier, prompt, schema, streamed)

    def _call[T: BaseModel](
        self, tier: str, prompt: str, schema: type[T], send: Callable[..., Any]
    ) -> ModelReply[T]:
        """The structured call made by ``send`` (the SDK's create or stream, given the request)."""
        model = self._models[tier]
        tool: ToolParam = {
            "name": schema.__name__,
            "description": f"Answer with a {schema.__name__} object.",
            "input_schema": schema.model_json_schema(),
        }
        messages: list[MessageParam] = [{"role": "user", "content": prompt}]
        choice: ToolChoiceToolParam = {"type": "tool", "name": schema.__name__}
        cap = output_cap(MAX_TOKENS)
        try:
            message = send(
                model=model,
                max_tokens=cap,
                messages=messages,
                tools=[tool],
                tool_choice=choice,
                extra_body={"anthropic_version": VERTEX_VERSION},
            )
        except anthropic.NotFoundError as exc:
            raise self._unavailable(tier, model, exc) from exc
        except anthropic.APIStatusError as exc:
            raise refused(int(exc.status_code), str(exc.message or "")) from exc  # 529: overloaded
        except anthropic.APIConnectionError as exc:  # a timeout is one (APITimeoutError)
            raise TransientError(f"model: {exc.__class__.__name__}") from exc
        usage = self._usage(model, message)  # read first: an answer off the schema is paid for too
        log_used(model, tier, usage, kind=call_kind(tier))
        if getattr(message, "stop_reason", "") == "max_tokens":
            raise cut_short(cap, usage)
        return ModelReply(checked(schema, _answer(message, schema.__name__), usage), usage)

    def _unavailable(self, tier: str, model: str, exc: anthropic.APIStatusError) -> ModelUnavailable:
        """The error that stops the call, and the log line the operator's alert counts."""
        why = f"HTTP {exc.status_code}: retired, misspelt, not enabled in Model Garden or not offered there"
        return unavailable(model, why, self._location, env_name(f"model_claude_{TIER_SETTING[tier]}"))

    def _usage(self, model: str, message: Any) -> ModelUsage:
        tokens_in = int(getattr(message.usage, "input_tokens", 0) or 0)
        tokens_out = int(getattr(message.usage, "output_tokens", 0) or 0)
        return priced(model, tokens_in, tokens_out, self._prices)


def _answer(message: Any, tool: str) -> str:
    """The input of the call of ``tool`` in ``message``, as JSON; no such call: the text it gave
    instead (which the schema then refuses, naming what is wrong)."""
    for block in message.content:
        if getattr(block, "type", "") == "tool_use" and block.name == tool:
            return json.dumps(block.input)
    return "".join(getattr(b, "text", "") for b in message.content if getattr(b, "type", "") == "text")
