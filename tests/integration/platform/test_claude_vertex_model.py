"""The Claude-on-Vertex adapter driving Anthropic's real SDK for Vertex (``AnthropicVertex``) against
the stand-in (local/claude_vertex.py): the request shape, structured output, usage and cost, and each
failure as our kind."""

import json
import time
from collections.abc import Iterator

import anthropic
import httpx
import pytest

from local.claude_vertex import ACCESS_TOKEN, ClaudeVertexStandIn
from shared.platform.adapters.claude_vertex_model import ClaudeVertexModel
from shared.platform.adapters.vertex_model import OnVertex
from shared.platform.domain.model_replies import Draft, PlanOut
from shared.platform.errors import ConfigError, ModelUnavailable, TransientError, UnusableReply

pytestmark = pytest.mark.integration
PLAN = {"goal": "g", "risk": "low", "on_reject": "end", "steps": [{"tool": "finish", "args_json": "{}"}]}
PROMPT = 'Plan it.\n```json\n{"goal": "tidy the page", "page": {"id": "p1", "title": "Notes"}}\n```'


@pytest.fixture
def standin() -> Iterator[ClaudeVertexStandIn]:
    server = ClaudeVertexStandIn()
    yield server
    server.stop()


def claude(standin: ClaudeVertexStandIn, timeout_s: float = 30.0) -> ClaudeVertexModel:
    return ClaudeVertexModel(
        OnVertex("proj", "europe-west1", standin.url, timeout_s=timeout_s),
        {"fast": "claude-haiku-4-5", "strong": "claude-sonnet-4-6"},
        {"claude-haiku-4-5": (1.0, 5.0), "claude-sonnet-4-6": (3.0, 15.0)},
        access_token=ACCESS_TOKEN,
    )


def test_a_structured_call_is_a_forced_tool_call_on_the_partner_model_endpoint(
    standin: ClaudeVertexStandIn,
) -> None:
    standin.answers.append(PLAN)
    reply = claude(standin).generate("fast", "make a plan", PlanOut)
    assert reply.value == PlanOut.model_validate(PLAN)
    path, body = standin.calls[0]
    assert path == (
        "/v1/projects/proj/locations/europe-west1/publishers/anthropic/models/claude-haiku-4-5:rawPredict"
    )
    assert body["anthropic_version"] == "vertex-2023-10-16" and "model" not in body
    assert body["tool_choice"] == {"type": "tool", "name": "PlanOut"}
    assert "steps" in json.dumps(body["tools"][0]["input_schema"])
    usage = reply.usage
    assert usage.model == "claude-haiku-4-5" and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd == pytest.approx((usage.input_tokens * 1.0 + usage.output_tokens * 5.0) / 1e6)


def test_the_standin_answers_as_the_offline_model_when_nothing_is_queued(
    standin: ClaudeVertexStandIn,
) -> None:
    reply = claude(standin).generate("strong", PROMPT, Draft)
    assert reply.value.text and reply.usage.model == "claude-sonnet-4-6"
    assert standin.calls[0][0].endswith("/claude-sonnet-4-6:rawPredict")


def test_an_answer_off_the_schema_is_unusable_and_paid_for(standin: ClaudeVertexStandIn) -> None:
    standin.answers.append({"goal": "g", "steps": "not a list"})
    with pytest.raises(UnusableReply, match="PlanOut schema") as caught:
        claude(standin).generate("fast", "p", PlanOut)
    assert caught.value.usage.cost_usd > 0
    standin.answers.append("Sorry, here is prose instead of the tool call.")
    with pytest.raises(UnusableReply):
        claude(standin).generate("fast", "p", PlanOut)


def test_429_5xx_and_529_are_transient_a_retired_model_unavailable_a_refusal_configuration(
    standin: ClaudeVertexStandIn,
) -> None:
    model = claude(standin)
    for status in (429, 503, 529, 500):
        standin.fail(status)
        with pytest.raises(TransientError, match=f"HTTP {status}"):
            model.generate("fast", "p", PlanOut)
    standin.fail(403)
    with pytest.raises(ConfigError, match="HTTP 403"):
        model.generate("fast", "p", PlanOut)
    vertex = OnVertex("proj", "europe-west1", standin.url)
    retired = ClaudeVertexModel(vertex, {"fast": "claude-3-haiku"}, {}, access_token=ACCESS_TOKEN)
    with pytest.raises(ModelUnavailable, match="NA_MODEL_CLAUDE_PLAN"):
        retired.generate("fast", "p", PlanOut)
    assert len(standin.calls) == 6  # the SDK's own retries are off: the routing decides what is next


def test_a_call_that_times_out_is_transient(standin: ClaudeVertexStandIn) -> None:
    standin.fail(delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(TransientError, match="Timeout"):
        claude(standin, timeout_s=0.5).generate("fast", "p", PlanOut)
    assert time.monotonic() - started < 2.5  # the adapter's timeout, not the stand-in's delay


def test_the_standin_refuses_what_vertex_refuses(standin: ClaudeVertexStandIn) -> None:
    """Another anthropic_version than Vertex AI's, or the model in the body: 400; no token: 401
    (the SDK always sends one and moves the model to the path, so those are asked with httpx)."""
    client = anthropic.AnthropicVertex(
        region="europe-west1",
        project_id="proj",
        access_token=ACCESS_TOKEN,
        base_url=standin.url,
        max_retries=0,
    )
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=10,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"anthropic_version": "2023-06-01"},
        )
    path = "/projects/proj/locations/global/publishers/anthropic/models/claude-haiku-4-5:rawPredict"
    body = {
        "anthropic_version": "vertex-2023-10-16",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
    }
    assert httpx.post(standin.url + path, json=body).status_code == 401
    bearer = {"Authorization": "Bearer t"}
    assert httpx.post(standin.url + path, json=body | {"model": "m"}, headers=bearer).status_code == 400
    assert httpx.post(standin.url + path, json=body, headers=bearer).status_code == 200


def test_the_stream_endpoint_answers_server_sent_events_the_sdk_reads(standin: ClaudeVertexStandIn) -> None:
    client = anthropic.AnthropicVertex(
        region="global", project_id="proj", access_token=ACCESS_TOKEN, base_url=standin.url, max_retries=0
    )
    standin.answers.append(PLAN)
    with client.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=100,
        messages=[{"role": "user", "content": "plan"}],
        tools=[{"name": "PlanOut", "input_schema": PlanOut.model_json_schema()}],
        tool_choice={"type": "tool", "name": "PlanOut"},
        extra_body={"anthropic_version": "vertex-2023-10-16"},
    ) as stream:
        final = stream.get_final_message()
    assert standin.calls[0][0].endswith("/claude-haiku-4-5:streamRawPredict")
    block = final.content[0]
    assert block.type == "tool_use" and block.input == PLAN and final.usage.output_tokens > 0


def test_a_streamed_call_gives_the_tools_input_as_claude_writes_it(standin: ClaudeVertexStandIn) -> None:
    standin.answers.append(PLAN)
    given: list[str] = []
    reply = claude(standin).stream("fast", "make a plan", PlanOut, given.append)
    assert standin.calls[0][0].endswith("/claude-haiku-4-5:streamRawPredict")
    assert len(given) > 1 and json.loads("".join(given)) == PLAN  # input_json_delta pieces, in order
    assert reply.value == PlanOut.model_validate(PLAN) and reply.usage.cost_usd > 0
    standin.fail(529)
    with pytest.raises(TransientError):
        claude(standin).stream("fast", "make a plan", PlanOut, given.append)
    standin.answers.append({"goal": "g"})  # off the schema: paid for
    with pytest.raises(UnusableReply):
        claude(standin).stream("fast", "make a plan", PlanOut, given.append)
