"""A Claude-on-Vertex stand-in on 127.0.0.1: what Anthropic's SDK for Vertex (``AnthropicVertex``)
sends and reads, for the tests and the local stack (there is no network to Google here).

It serves ``POST .../projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict``
(and ``:streamRawPredict``, as server-sent events) as Vertex AI's partner-model endpoint does, from
Anthropic's "Claude on Vertex AI" docs: the model in the path and not in the body, ``anthropic_version``
``vertex-2023-10-16`` in the body, a bearer token, the Messages API's request and answer (``tool_use``
blocks, ``usage``). A forced tool call (``tool_choice`` naming a tool) is answered with the offline
model's answer for the schema of that name (shared.platform.adapters.offline_model.answer_for), or the
next answer queued by a test (a long text: a model that writes past ``max_tokens``, cut there with
``stop_reason`` ``max_tokens``, :func:`held_to`). Faults on demand: an HTTP status (429 ``RESOURCE_EXHAUSTED``, 404 for a
retired model, 503, 529 overloaded) for the next n calls, or a delay past the caller's timeout.
Run alone: ``python -m local.claude_vertex`` prints its URL (NA_MODEL_CLAUDE_BASE_URL).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.http_answer import send_answer
from shared.platform.adapters.claude_vertex_model import VERTEX_VERSION as VERSION  # in the body
from shared.platform.adapters.offline_model import answer_for
from shared.platform.domain.model_calls import pieces_of
from shared.platform.errors import NotUnderstood

ACCESS_TOKEN = "ya29.stand-in"  # what the local clients send: not a secret, and nothing else is one
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
JSON = dict[str, Any]


@dataclass
class Fault:
    """The next ``times`` calls (of ``model`` only, when named) answer ``status``, or with ``delay_s``
    wait that long before answering."""

    status: int = 0
    delay_s: float = 0.0
    times: int = 1
    model: str = ""


@dataclass
class ClaudeVertexStandIn:
    """``models``: the model names it offers (another is a 404, as a retired one is); ``calls``: every
    call's (path, body) in order; ``answers``: tool inputs (or raw text) to give before the offline
    model's."""

    models: frozenset[str] = frozenset({"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"})
    calls: list[tuple[str, JSON]] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The base URL to give AnthropicVertex (``base_url``), as Vertex AI's ``.../v1``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def fail(self, status: int = 0, *, times: int = 1, delay_s: float = 0.0, model: str = "") -> None:
        """Make the next ``times`` calls answer HTTP ``status`` (or hang ``delay_s``)."""
        with self._lock:
            self.faults.append(Fault(status, delay_s, times, model))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fault(self, model: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.model in ("", model):
                    fault.times -= 1
                    return fault
        return None

    def answer(self, path: str, headers: Any, body: JSON) -> tuple[int, JSON | list[JSON]]:
        """The status and JSON answer (or the stream's events) of one call, as Vertex AI gives them."""
        self.calls.append((path, body))
        route = path.split("/publishers/anthropic/models/", 1)
        model, _, method = (route[1] if len(route) == 2 else "").partition(":")
        refused = _refusal(route[0], method, headers, body)
        if refused is not None:
            return refused
        fault = self._fault(model)
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        if fault is not None and fault.status == 529:
            return 529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        if fault is not None and fault.status:
            return _error(fault.status, "Quota exceeded for aiplatform.googleapis.com/online_prediction")
        if model not in self.models:
            return _error(404, f"Publisher Model `publishers/anthropic/models/{model}` was not found")
        message = self._message(model, body)
        return 200, _events(message) if method == "streamRawPredict" else message

    def _message(self, model: str, body: JSON) -> JSON:
        prompt = "".join(_text(m.get("content")) for m in body["messages"] if isinstance(m, dict))
        choice = body.get("tool_choice") or {}
        tool = str(choice.get("name") or "") if choice.get("type") == "tool" else ""
        with self._lock:
            queued = self.answers.pop(0) if self.answers else None
        try:
            given = queued if queued is not None else (answer_for(tool, prompt) if tool else None)
        except NotUnderstood as exc:  # a model that understood nothing says so, in words
            given = exc.reason
        if tool and given is not None and not isinstance(given, str):
            content: list[JSON] = [{"type": "tool_use", "id": "toolu_standin", "name": tool, "input": given}]
            stop = "tool_use"
        else:
            text = given if isinstance(given, str) else "I cannot answer that."
            content, stop = [{"type": "text", "text": text}], "end_turn"
        content, stop, written = held_to(int(body["max_tokens"]), content, stop)
        usage = {"input_tokens": len(prompt) // 4, "output_tokens": written}
        return {
            "id": f"msg_vrtx_{len(self.calls)}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }


def held_to(cap: int, content: list[JSON], stop: str) -> tuple[list[JSON], str, int]:
    """``content`` as Claude gives it under ``max_tokens`` = ``cap`` (a token: 4 characters of its
    JSON here): whole when it fits; else cut at ``cap`` tokens with ``stop_reason`` ``max_tokens``
    ("the response reached your max_tokens limit", Anthropic's "Handling stop reasons"): a text
    block shortened, a tool call left incomplete (its input empty, as one cut before it closed).
    The content, the stop reason and the output tokens billed (never more than ``cap``)."""
    wanted = max(1, len(json.dumps(content)) // 4)
    if wanted <= cap:
        return content, stop, wanted
    cut: list[JSON] = []
    for block in content:
        if block["type"] == "text":
            cut.append(block | {"text": block["text"][: cap * 4]})
        else:
            cut.append(block | {"input": {}})
        break  # what came after the first block was never written
    return cut, "max_tokens", cap


def _refusal(prefix: str, method: str, headers: Any, body: JSON) -> tuple[int, JSON] | None:
    """What Vertex AI refuses before any model answers: no token (401), another endpoint (404), a
    body that is not Claude-on-Vertex's (400); None when the call is well formed."""
    if not str(headers.get("Authorization") or "").startswith("Bearer "):
        return _error(401, "Request is missing required authentication credential.")
    if method not in ("rawPredict", "streamRawPredict") or "/projects/" not in prefix:
        return _error(404, f"no such endpoint: {prefix[:200]}")
    if body.get("anthropic_version") != VERSION or "model" in body:
        return _error(400, f"anthropic_version must be {VERSION} and the model is in the URL only")
    if not isinstance(body.get("max_tokens"), int) or not body.get("messages"):
        return _error(400, "max_tokens and messages are required")
    return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(b.get("text") or "") for b in content or [] if isinstance(b, dict))


def _error(status: int, message: str) -> tuple[int, JSON]:
    """Google's error envelope, as Vertex AI answers a refused call."""
    return status, {
        "error": {"code": status, "message": message, "status": _STATUS.get(status, "UNAVAILABLE")}
    }


def _events(message: JSON) -> list[JSON]:
    """The Messages API's stream of ``message``: start, each block (a tool's input in several
    ``input_json_delta`` pieces, as Anthropic's "Streaming Messages" shows), the stop and usage, end."""
    head = message | {"content": [], "stop_reason": None, "usage": message["usage"] | {"output_tokens": 0}}
    events: list[JSON] = [{"type": "message_start", "message": head}]
    for i, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            start = block | {"input": {}}
            said = json.dumps(block["input"])  # in pieces, as Claude writes a tool's input
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces_of(said)]
        else:
            start, deltas = {"type": "text", "text": ""}, [{"type": "text_delta", "text": block["text"]}]
        events += [
            {"type": "content_block_start", "index": i, "content_block": start},
            *({"type": "content_block_delta", "index": i, "delta": delta} for delta in deltas),
            {"type": "content_block_stop", "index": i},
        ]
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events += [
        {
            "type": "message_delta",
            "delta": stop,
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        },
        {"type": "message_stop"},
    ]
    return events


def _handler(standin: ClaudeVertexStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            except ValueError:
                body = {}
            status, answer = standin.answer(self.path, self.headers, body if isinstance(body, dict) else {})
            if isinstance(answer, list):
                data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in answer).encode()
                kind = "text/event-stream"
            else:
                data, kind = json.dumps(answer).encode(), "application/json"
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller timed out and went
                send_answer(self, status, data, [("Content-Type", kind)])

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


if __name__ == "__main__":
    standin = ClaudeVertexStandIn()
    print(standin.url, flush=True)
    threading.Event().wait()
