"""A Gemini stand-in's HTTP side on 127.0.0.1: google-auth's token grant at ``.../token``, and every
other POST answered with ``answer(request JSON)``, held to the request's ``maxOutputTokens`` as
Vertex AI holds it (:func:`held_to_cap`). The red team's attacker, the cold-request benchmark's model
and the output-cap tests each supply their ``answer``."""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.http_answer import send_json

JSON = dict[str, Any]
TOKEN = {"access_token": "ya29.stand-in", "token_type": "Bearer", "expires_in": 3600}


class GeminiServer:
    """``paths``: the paths POSTed to, in order; ``status``: the HTTP status of the answers;
    ``failures``: statuses the next model calls answer instead, one each (the token grant is spared).
    ``answer_at``, when given, answers instead of ``answer`` with the request's path too (its
    project and model: what a cache is kept per)."""

    def __init__(
        self, answer: Callable[[JSON], JSON], answer_at: Callable[[str, JSON], JSON] | None = None
    ) -> None:
        self.paths: list[str] = []
        self.status = 200
        self.failures: list[int] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.paths.append(self.path)
                token = self.path.endswith("/token")
                failed = server.failures.pop(0) if server.failures and not token else 0
                if failed:
                    payload: JSON = {
                        "error": {"code": failed, "message": "Resource exhausted", "status": "UNAVAILABLE"}
                    }
                else:
                    request = {} if token else json.loads(body or b"{}")
                    payload = TOKEN if token else held_to_cap(self._answer(request), request)
                send_json(self, failed or server.status, payload)

            def _answer(self, request: JSON) -> JSON:
                return answer_at(self.path, request) if answer_at else answer(request)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def with_thoughts(answer: JSON, request: JSON, most: int = 200) -> JSON:
    """``answer`` with the thinking a Gemini thinking model reports for ``request``:
    ``usageMetadata.thoughtsTokenCount`` within the request's ``thinkingConfig`` budget (``most``
    when it sets none; none reported for 0, as the real one leaves the field out), in the total."""
    config = (request.get("generationConfig") or {}).get("thinkingConfig") or {}
    budget = int(
        config.get("thinkingBudget", config.get("thinking_budget", most))
    )  # google-genai: proto name
    thoughts = min(budget, most)
    usage = dict(answer.get("usageMetadata") or {})
    if thoughts > 0:
        usage |= {
            "thoughtsTokenCount": thoughts,
            "totalTokenCount": int(usage.get("totalTokenCount", 0)) + thoughts,
        }
    return answer | {"usageMetadata": usage}


def held_to_cap(answer: JSON, request: JSON) -> JSON:
    """``answer`` as Vertex AI gives it under the request's ``generationConfig.maxOutputTokens``:
    thoughts and answer together never past it (a thinking model's thoughts count within it; the
    model spends them first), the answer's text cut to what is left (a token: 4 characters here),
    ``finishReason`` ``MAX_TOKENS`` ("the maximum number of tokens as specified in the request was
    reached"), and ``usageMetadata`` counting only what was written. No cap, or within it: as is."""
    config = request.get("generationConfig") or {}
    cap = config.get("maxOutputTokens", config.get("max_output_tokens"))
    candidates = answer.get("candidates") or []
    if cap is None or not candidates:
        return answer
    usage = dict(answer.get("usageMetadata") or {})
    parts = (candidates[0].get("content") or {}).get("parts") or []
    text = "".join(str(p.get("text") or "") for p in parts)
    thoughts = int(usage.get("thoughtsTokenCount", 0))
    written = int(usage.get("candidatesTokenCount", -(-len(text) // 4)))
    if thoughts + written <= int(cap):
        return answer
    thoughts = min(thoughts, int(cap))
    written = int(cap) - thoughts
    content = {"role": "model", "parts": [{"text": text[: written * 4]}]} if written else {"role": "model"}
    usage |= {"candidatesTokenCount": written, "thoughtsTokenCount": thoughts}
    usage["totalTokenCount"] = int(usage.get("promptTokenCount", 0)) + thoughts + written
    if not thoughts:
        usage.pop("thoughtsTokenCount")
    cut = candidates[0] | {"content": content, "finishReason": "MAX_TOKENS"}
    return answer | {"candidates": [cut, *candidates[1:]], "usageMetadata": usage}
