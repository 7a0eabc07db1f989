"""A Gemini-on-Vertex stand-in on 127.0.0.1 that answers as the offline model does and bills as Vertex
AI does: the stack's functions call it through google-genai (``NA_MODEL_BACKEND=vertex``,
``NA_MODEL_BASE_URL``, credentials whose token grant it serves), so every call crosses the real SDK.

Each ``generateContent`` is answered with ``offline_model.answer_for`` for the response schema's title
(PlanOut, Draft, Verdict, ArgsFix, AskOut, Standalone). Its ``usageMetadata``: ``promptTokenCount`` the
prompt's characters / 4, ``candidatesTokenCount`` the answer's, ``thoughtsTokenCount`` the offline
model's thinking within the request's ``thinkingBudget`` (``offline_model.thoughts``), and
``cachedContentTokenCount`` what the implicit cache serves (:class:`ImplicitCache`). Every call's usage
is kept in ``calls``, in order."""

import json
import threading
from dataclasses import dataclass
from typing import Any

from shared.platform.adapters.offline_model import answer_for, thoughts
from shared.platform.errors import NotUnderstood
from tests.support.platform.gemini_server import GeminiServer
from tests.support.platform.implicit_cache import CHARS_PER_TOKEN, ImplicitCache

JSON = dict[str, Any]


@dataclass(frozen=True)
class Billed:
    """One call as Vertex AI reports it: the prompt's tokens, of them the cached ones, the answer's
    and the thinking's."""

    schema: str
    prompt_tokens: int
    cached_tokens: int
    output_tokens: int
    thinking_tokens: int
    budget: int = 0  # the thinking budget the request was sent (thinkingConfig.thinkingBudget)


def prompt_of(request: JSON) -> str:
    """The text of a generateContent request's contents, in order."""
    return "".join(
        str(part.get("text") or "")
        for content in request.get("contents") or []
        for part in content.get("parts") or []
    )


class OfflineGemini:
    def __init__(self, cache: ImplicitCache | None = None) -> None:
        self.cache = cache or ImplicitCache()
        self.calls: list[Billed] = []
        self._lock = threading.Lock()
        self.server = GeminiServer(lambda _: {}, self._answer)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def _answer(self, path: str, request: JSON) -> JSON:
        """The offline model's answer to ``request`` at ``path`` (the project and model its cache is
        kept per), with the usage Vertex AI would report; a goal it does not understand is answered
        in words, off the schema, as a model that cannot do it would."""
        config = request.get("generationConfig") or {}
        schema = config.get("responseSchema") or config.get("responseJsonSchema") or {}
        title = str(schema.get("title") or "")
        prompt = prompt_of(request)
        answer: JSON | str | None
        try:
            answer = answer_for(title, prompt)
        except NotUnderstood as exc:
            answer = exc.reason
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        thinking = config.get("thinkingConfig") or {}
        budget = int(thinking.get("thinkingBudget", thinking.get("thinking_budget", 0)) or 0)  # proto name
        billed = Billed(
            title,
            len(prompt) // CHARS_PER_TOKEN,
            self.cache.served(path, prompt),
            len(text) // CHARS_PER_TOKEN,
            thoughts(len(prompt), budget),
            budget,
        )
        with self._lock:
            self.calls.append(billed)
        usage = {
            "promptTokenCount": billed.prompt_tokens,
            "candidatesTokenCount": billed.output_tokens,
            "totalTokenCount": billed.prompt_tokens + billed.output_tokens + billed.thinking_tokens,
        }
        usage |= {"thoughtsTokenCount": billed.thinking_tokens} if billed.thinking_tokens else {}
        usage |= {"cachedContentTokenCount": billed.cached_tokens} if billed.cached_tokens else {}
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        return {"candidates": [candidate], "usageMetadata": usage}
