"""The Vertex AI model adapter driving the real google-genai SDK against a loopback stub of
``generateContent`` (the request and response shapes google-genai sends and parses)."""

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from local.http_answer import send_answer, send_json
from shared.platform.adapters.vertex_model import OnVertex, VertexModel, check_reachable
from shared.platform.domain.model_calls import calls_of
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import (
    ConfigError,
    ModelFixableError,
    ModelUnavailable,
    TransientError,
    UnusableReply,
)
from tests.support.platform.log_events import fields_logged

pytestmark = pytest.mark.integration
PLAN = {
    "goal": "g",
    "risk": "low",
    "on_reject": "end",
    "steps": [{"tool": "finish", "args_json": "{}", "rationale": ""}],
}


class Stub:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: list[tuple[int, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append((self.path, body))
                status, payload = stub.replies.pop(0)
                if status == 0:  # a reply that never comes: the caller's timeout runs out first
                    time.sleep(payload)
                    return
                if isinstance(payload, list):  # streamGenerateContent?alt=sse: one event per chunk
                    data = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in payload).encode()
                    send_answer(self, status, data, [("Content-Type", "text/event-stream")])
                    return
                send_json(self, status, payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(
        self, text: str, tokens: tuple[int, int] = (120, 30), thoughts: int = 0, cached: int = 0
    ) -> None:
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        usage = (
            {
                "promptTokenCount": tokens[0],
                "candidatesTokenCount": tokens[1],
                "totalTokenCount": sum(tokens) + thoughts,
            }
            | ({"thoughtsTokenCount": thoughts} if thoughts else {})
            | ({"cachedContentTokenCount": cached} if cached else {})
        )
        self.replies.append((200, {"candidates": [candidate], "usageMetadata": usage}))

    def stream(self, text: str, tokens: tuple[int, int] = (120, 30), finish: str = "STOP") -> None:
        """``text`` as Vertex AI's ``streamGenerateContent`` gives it: in chunks of 20 characters, the
        last with the finish reason and the usage of the whole call."""
        parts = [text[i : i + 20] for i in range(0, len(text), 20)]
        chunks: list[dict[str, Any]] = [
            {"candidates": [{"content": {"role": "model", "parts": [{"text": p}]}}]} for p in parts
        ]
        chunks[-1]["candidates"][0]["finishReason"] = finish
        chunks[-1]["usageMetadata"] = {
            "promptTokenCount": tokens[0],
            "candidatesTokenCount": tokens[1],
            "totalTokenCount": sum(tokens),
        }
        self.replies.append((200, chunks))


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.server.shutdown()


def model(
    stub: Stub, timeout_s: float = 120.0, base_url: str = "", thinking: dict[str, int] | None = None
) -> VertexModel:
    token = Credentials(token="fake")  # type: ignore[no-untyped-call]  # google-auth: unannotated
    return VertexModel(
        OnVertex("proj", "europe-west1", base_url or stub.url, credentials=token, timeout_s=timeout_s),
        {"fast": "gemini-test", "strong": "gemini-test"},
        {"gemini-test": (2.0, 10.0)},
        thinking=thinking,
    )


def test_a_structured_call_sends_the_schema_and_records_usage_and_cost(stub: Stub) -> None:
    stub.answer(json.dumps(PLAN))
    reply = model(stub).generate("fast", "make a plan", PlanOut)
    assert reply.value == PlanOut.model_validate(PLAN)
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (120, 30)
    assert reply.usage.cost_usd == pytest.approx((120 * 2.0 + 30 * 10.0) / 1e6)
    path, body = stub.requests[0]
    assert path.endswith(
        "/projects/proj/locations/europe-west1/publishers/google/models/gemini-test:generateContent"
    )
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    schema = json.dumps(config.get("responseSchema") or config.get("responseJsonSchema"))
    assert "args_json" in schema and "steps" in schema


def test_a_thinking_models_thoughts_are_paid_for_as_output(stub: Stub) -> None:
    stub.answer(json.dumps(PLAN), thoughts=900)
    reply = model(stub).generate("fast", "make a plan", PlanOut)
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (120, 30 + 900)
    assert reply.usage.thinking_tokens == 900  # of the output, counted apart on the run's log
    assert reply.usage.cost_usd == pytest.approx((120 * 2.0 + 930 * 10.0) / 1e6)


def test_the_tokens_vertex_ais_cache_served_are_paid_for_at_a_tenth(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    """Vertex AI's implicit caching: ``usageMetadata.cachedContentTokenCount`` of the prompt's tokens
    were served from its cache, at a 90 % discount; counted within the input tokens, never more."""
    stub.answer(json.dumps(PLAN), tokens=(6000, 30), cached=4096)
    stub.answer(json.dumps(PLAN), tokens=(100, 30), cached=500)  # a count past the prompt's: capped
    with caplog.at_level(logging.INFO, logger="shared.platform.adapters.vertex_model"):
        reply = model(stub).generate("fast", "make a plan", PlanOut)
    assert (reply.usage.input_tokens, reply.usage.cached_tokens) == (6000, 4096)
    assert reply.usage.cost_usd == pytest.approx(((6000 - 4096 + 409.6) * 2.0 + 30 * 10.0) / 1e6)
    assert fields_logged(caplog.records, "model_used")[0]["cached_tokens"] == 4096
    capped = model(stub).generate("fast", "make a plan", PlanOut).usage
    assert capped.cached_tokens == 100 and capped.cost_usd == pytest.approx((10 * 2.0 + 30 * 10.0) / 1e6)


def test_each_calls_thinking_budget_is_sent_by_what_it_is_for(stub: Stub) -> None:
    """A thinking budget per kind of call (Settings.model_thinking_*), sent as
    ``thinkingConfig.thinkingBudget``; the model's purpose (plan: the fast model) is not its kind."""
    budgets = {"plan": 1024, "draft": 4096, "review": 256, "answer": 128, "replan": 512, "repair": 64}
    vertex = model(stub, thinking=budgets)
    for _ in range(7):
        stub.answer(json.dumps(PLAN), thoughts=100)
    vertex.generate("fast", "make a plan", PlanOut)
    vertex.generate("strong", "make a plan", PlanOut)
    for kind in ("review", "answer"):
        with calls_of(kind):
            vertex.generate("fast", "make a plan", PlanOut)
    for purpose in ("replan", "repair"):  # a purpose with its own budget (decision 0226)
        with calls_of("plan", purpose):
            vertex.generate("fast", "make a plan", PlanOut)
    model(stub).generate("fast", "make a plan", PlanOut)  # no budgets given: the model's own default
    configs = [body["generationConfig"] for _, body in stub.requests]
    # google-genai sends the field by its proto name (thinking_budget) inside thinkingConfig; Vertex
    # AI's JSON reads a proto field by either name, as protobuf's JSON mapping does.
    sent = [
        c["thinkingConfig"].get("thinkingBudget", c["thinkingConfig"].get("thinking_budget"))
        for c in configs[:6]
    ]
    assert sent == [1024, 4096, 256, 128, 512, 64]
    assert "thinkingConfig" not in configs[6]


def test_a_malformed_answer_is_model_fixable(stub: Stub) -> None:
    stub.answer('{"goal": "g", "steps": "not a list"')
    with pytest.raises(ModelFixableError):
        model(stub).generate("fast", "make a plan", PlanOut)


def test_rate_limits_are_transient_and_refusals_are_configuration(stub: Stub) -> None:
    stub.replies.append(
        (429, {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}})
    )
    with pytest.raises(TransientError):
        model(stub).generate("fast", "p", PlanOut)
    stub.replies.append((403, {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}))
    with pytest.raises(ConfigError):
        model(stub).generate("fast", "p", PlanOut)
    stub.replies.append((404, {"error": {"code": 404, "message": "no such model", "status": "NOT_FOUND"}}))
    with pytest.raises(ModelUnavailable, match="NA_MODEL_PLAN"):
        model(stub).generate("fast", "p", PlanOut)


def test_a_call_that_times_out_or_cannot_connect_is_transient(stub: Stub) -> None:
    """The SDK's HTTP client raises its own timeout and connect errors: a slow draft must be retried
    (and the paid calls before it recorded), not crash the step with a 500."""
    stub.replies.append((0, 2.0))
    started = time.monotonic()
    with pytest.raises(TransientError, match="Timeout"):
        model(stub, timeout_s=0.3).generate("strong", "write it", PlanOut)
    assert time.monotonic() - started < 1.5  # the adapter's timeout, not the stub's two seconds
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(TransientError, match="ConnectError"):
        model(stub, base_url=f"http://127.0.0.1:{port}").generate("fast", "p", PlanOut)


def test_a_request_timeout_answer_is_transient(stub: Stub) -> None:
    stub.replies.append((408, {"error": {"code": 408, "message": "timed out", "status": "DEADLINE"}}))
    with pytest.raises(TransientError):
        model(stub).generate("fast", "p", PlanOut)


def test_tests_cannot_reach_a_real_model() -> None:
    for url in ("", "https://europe-west1-aiplatform.googleapis.com", "http://10.0.0.8:80"):
        with pytest.raises(ConfigError):
            check_reachable(url, production=True)  # under pytest, even "production" is refused
    check_reachable("http://127.0.0.1:9", production=False)


def test_each_paid_call_is_one_model_used_line_with_its_cost(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    """The dashboard's model spend (terraform/monitoring.tf) sums cost_usd of these lines."""
    stub.answer(json.dumps(PLAN))
    stub.answer("not json")  # an answer off the schema is paid for, and logged, too
    with caplog.at_level(logging.INFO, logger="shared.platform.adapters.vertex_model"):
        reply = model(stub).generate("fast", "make a plan", PlanOut)
        with pytest.raises(UnusableReply):
            model(stub).generate("strong", "write", PlanOut)
    used = fields_logged(caplog.records, "model_used")
    assert [(u["tier"], u["model"]) for u in used] == [("fast", "gemini-test"), ("strong", "gemini-test")]
    assert used[0]["cost_usd"] == reply.usage.cost_usd > 0


def test_the_benchmarks_stand_in_reports_thoughts_within_the_budget_as_gemini_does(stub: Stub) -> None:
    """tests/perf/coldstart/model_standin (the cold-request benchmark's Gemini): thinking tokens in its usage,
    within the call's thinking budget, which the adapter counts as output."""
    from tests.perf.coldstart.model_standin import ModelStandIn

    standin = ModelStandIn("page-1")
    try:
        vertex = model(stub, base_url=standin.url, thinking={"plan": 64, "draft": 0})
        assert vertex.generate("fast", "plan it", PlanOut).usage.output_tokens == 100 + 64
        assert vertex.generate("strong", "plan it", PlanOut).usage.output_tokens == 100  # 0: no thinking
    finally:
        standin.stop()


def test_a_streamed_call_gives_each_chunk_as_it_comes_and_pays_the_last_ones_usage(stub: Stub) -> None:
    stub.stream(json.dumps(PLAN))
    given: list[str] = []
    reply = model(stub).stream("fast", "make a plan", PlanOut, given.append)
    path, _ = stub.requests[0]
    assert ":streamGenerateContent" in path and "alt=sse" in path
    assert len(given) > 1 and "".join(given) == json.dumps(PLAN)
    assert reply.value == PlanOut.model_validate(PLAN)
    assert reply.usage.cost_usd == pytest.approx((120 * 2.0 + 30 * 10.0) / 1e6)
    stub.stream(json.dumps(PLAN)[:30], finish="MAX_TOKENS")  # cut at its cap: refused, paid for
    with pytest.raises(UnusableReply):
        model(stub).stream("fast", "make a plan", PlanOut, given.append)
    stub.replies.append((429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}))
    with pytest.raises(TransientError):
        model(stub).stream("fast", "make a plan", PlanOut, given.append)
