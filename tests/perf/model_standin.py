"""A Gemini stand-in on 127.0.0.1 for the cold-request benchmark: google-auth's token grant, and a
generateContent that plans one Notion read then the end (``PLAN``), whatever it is asked."""

import json
from typing import Any

from tests.support.gemini_server import GeminiServer


def plan_reply(page_id: str) -> dict[str, Any]:
    """A valid plan: read ``page_id``, then finish."""
    steps = [("read_page", {"page_id": page_id}), ("finish", {"summary": "Read the page."})]
    return {
        "goal": "Read the page",
        "risk": "low",
        "on_reject": "end",
        "steps": [{"tool": t, "args_json": json.dumps(a), "rationale": "bench"} for t, a in steps],
    }


class ModelStandIn:
    def __init__(self, page_id: str) -> None:
        reply = json.dumps(plan_reply(page_id))
        candidate = {"content": {"role": "model", "parts": [{"text": reply}]}, "finishReason": "STOP"}
        usage = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
        self._answer = {"candidates": [candidate], "usageMetadata": usage}
        self.calls = 0
        self.server = GeminiServer(self._reply)

    def _reply(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return self._answer

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()
