"""A model call is sent with the output cap its budgets chose, and the services hold it there (issue
65, point 2; decision 0102): the real google-genai and Anthropic SDKs through our adapters against
the stand-ins, which do what Vertex AI's documentation says of the cap. Gemini's
``maxOutputTokens`` bounds thoughts and answer together, a reply cut there ends with finish reason
``MAX_TOKENS`` and ``usageMetadata`` counts what was written; Claude's ``max_tokens`` ends a cut reply
with ``stop_reason`` ``max_tokens`` and ``usage.output_tokens`` at the cap. A hostile model that writes
far past the cap is billed no more than the reservation, and its cut answer is refused (UnusableReply,
paid), never read as a whole one."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from local.claude_vertex import ACCESS_TOKEN, ClaudeVertexStandIn
from shared.platform.adapters.claude_vertex_model import ClaudeVertexModel
from shared.platform.adapters.vertex_model import OnVertex, VertexModel
from shared.platform.domain.call_caps import ANSWER_TOKENS, CallBound, CallLimit, limited
from shared.platform.domain.model_calls import calls_of
from shared.platform.domain.model_replies import Draft, PlanOut
from shared.platform.errors import UnusableReply
from tests.support.platform.gemini_server import GeminiServer, held_to_cap

pytestmark = pytest.mark.integration
PLAN = {"goal": "g", "risk": "low", "on_reject": "end", "steps": [{"tool": "finish", "args_json": "{}"}]}
PRICES = {"gemini-3.5-flash": (1.5, 9.0), "claude-sonnet-4-6": (3.0, 15.0)}
THINKING = 1_024
HOSTILE = 80_000  # output tokens the hostile model writes when nothing stops it


def _reply(text: str, prompt_tokens: int = 40, thoughts: int = 0) -> dict[str, Any]:
    usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": -(-len(text) // 4)}
    usage |= {"thoughtsTokenCount": thoughts} if thoughts else {}
    usage["totalTokenCount"] = sum(usage.values())
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "usageMetadata": usage}


def _hostile(_request: dict[str, Any]) -> dict[str, Any]:
    """Thinks as long as it likes (past its thinking budget), then writes a draft of HOSTILE tokens."""
    return _reply(json.dumps({"text": "x" * (HOSTILE * 4)}), thoughts=HOSTILE // 2)


def _gemini(server: GeminiServer, kind: str) -> VertexModel:
    """Gemini through google-genai on the stand-in, ``kind``'s calls thinking up to THINKING."""
    models = dict.fromkeys(("fast", "strong"), "gemini-3.5-flash")
    token = Credentials(token="ya29.stand-in")  # type: ignore[no-untyped-call]  # google-auth: unannotated
    vertex = OnVertex("proj", "global", server.url, credentials=token)
    return VertexModel(vertex, models, PRICES, thinking={kind: THINKING})


@pytest.fixture
def gemini() -> Iterator[tuple[GeminiServer, VertexModel]]:
    server = GeminiServer(_hostile)
    yield server, _gemini(server, "draft")
    server.stop()


@pytest.fixture
def claude() -> Iterator[tuple[ClaudeVertexStandIn, ClaudeVertexModel]]:
    standin = ClaudeVertexStandIn()
    model = ClaudeVertexModel(
        OnVertex("proj", "europe-west1", standin.url),
        {"fast": "claude-sonnet-4-6", "strong": "claude-sonnet-4-6"},
        PRICES,
        access_token=ACCESS_TOKEN,
    )
    yield standin, model
    standin.stop()


def test_the_gemini_standin_holds_thoughts_and_answer_to_max_output_tokens() -> None:
    within = _reply('{"text": "short"}', thoughts=100)
    assert held_to_cap(within, {"generationConfig": {"maxOutputTokens": 500}}) == within
    assert held_to_cap(within, {}) == within  # no cap sent: the model's own
    cut = held_to_cap(_reply("y" * 40_000, thoughts=300), {"generationConfig": {"maxOutputTokens": 1000}})
    usage, candidate = cut["usageMetadata"], cut["candidates"][0]
    assert candidate["finishReason"] == "MAX_TOKENS"
    assert usage["thoughtsTokenCount"] == 300 and usage["candidatesTokenCount"] == 700
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + 1000
    assert candidate["content"]["parts"][0]["text"] == "y" * 2800
    # Thinking first: a model that thinks to the cap writes no answer at all (no parts).
    spent = held_to_cap(_reply("z" * 400, thoughts=5000), {"generationConfig": {"maxOutputTokens": 1000}})
    assert spent["usageMetadata"]["thoughtsTokenCount"] == 1000
    assert spent["usageMetadata"]["candidatesTokenCount"] == 0
    assert "parts" not in spent["candidates"][0]["content"]


def test_gemini_is_sent_the_budgets_cap_and_a_cut_answer_is_refused_paid(
    gemini: tuple[GeminiServer, VertexModel],
) -> None:
    _server, model = gemini
    bound = CallBound(2_000, *PRICES["gemini-3.5-flash"], THINKING + ANSWER_TOKENS, THINKING + 1_024)
    cap = bound.cap_within(0.03)
    assert THINKING + 1_024 <= cap < THINKING + ANSWER_TOKENS
    with limited(CallLimit(cap, bound.cost(cap))), calls_of("draft"), pytest.raises(UnusableReply) as caught:
        model.generate("strong", "write it all", Draft)
    assert f"cut at its cap of {cap} output tokens" in caught.value.reason
    usage = caught.value.usage
    assert usage is not None and usage.output_tokens == cap  # thoughts and answer together
    assert usage.cost_usd <= bound.cost(cap) <= 0.03
    # Outside a budgeted call the kind's normal cap is sent: thinking budget plus the longest answer.
    with calls_of("draft"), pytest.raises(UnusableReply) as whole:
        model.generate("strong", "write it all", Draft)
    assert whole.value.usage is not None and whole.value.usage.output_tokens == THINKING + ANSWER_TOKENS


def test_gemini_within_its_cap_answers_as_before() -> None:
    server = GeminiServer(lambda _request: _reply(json.dumps(PLAN), thoughts=200))
    try:
        with limited(CallLimit(THINKING + 1_024, 0.02)), calls_of("plan"):
            reply = _gemini(server, "plan").generate("fast", "plan it", PlanOut)
    finally:
        server.stop()
    assert reply.value == PlanOut.model_validate(PLAN)


def test_claude_is_sent_the_budgets_cap_and_a_cut_answer_is_refused_paid(
    claude: tuple[ClaudeVertexStandIn, ClaudeVertexModel],
) -> None:
    standin, model = claude
    standin.answers.append({"text": "w" * (HOSTILE * 4)})  # a tool call far past any cap
    with limited(CallLimit(2_000, 0.05)), pytest.raises(UnusableReply) as caught:
        model.generate("strong", "write it all", Draft)
    assert standin.calls[-1][1]["max_tokens"] == 2_000
    assert "cut at its cap of 2000 output tokens" in caught.value.reason
    usage = caught.value.usage
    assert usage is not None and usage.output_tokens == 2_000
    assert usage.cost_usd == pytest.approx((usage.input_tokens * 3.0 + 2_000 * 15.0) / 1e6)
    # A text answer written past the cap: cut too, its stop reason max_tokens.
    standin.answers.append("v" * 100_000)
    with limited(CallLimit(1_500, 0.05)), pytest.raises(UnusableReply, match="cut at its cap of 1500"):
        model.generate("strong", "write it all", Draft)
    # Within the cap: the answer as before.
    standin.answers.append(PLAN)
    with limited(CallLimit(1_500, 0.05)):
        assert model.generate("fast", "plan it", PlanOut).value == PlanOut.model_validate(PLAN)
    assert standin.calls[-1][1]["max_tokens"] == 1_500


def test_the_claude_standin_cuts_at_max_tokens_with_its_stop_reason(
    claude: tuple[ClaudeVertexStandIn, ClaudeVertexModel],
) -> None:
    standin, _model = claude
    standin.answers.append("u" * 10_000)
    body = {
        "anthropic_version": "vertex-2023-10-16",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}],
    }
    path = "/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4-6:rawPredict"
    status, message = standin.answer(path, {"Authorization": "Bearer x"}, body)
    assert status == 200 and isinstance(message, dict)
    assert message["stop_reason"] == "max_tokens" and message["usage"]["output_tokens"] == 100
    assert message["content"] == [{"type": "text", "text": "u" * 400}]
