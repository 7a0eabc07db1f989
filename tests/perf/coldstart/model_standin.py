"""A Gemini stand-in on 127.0.0.1 for the cold-request benchmark: google-auth's token grant, and a
generateContent that plans one Notion read then the end (``plan_reply``), or, for a goal naming
``DEPLOY_GOAL``, a Vercel preview of the code sandbox's site then the end (``deploy_reply``)."""

import json
from typing import Any

from tests.support.platform.gemini_server import GeminiServer, with_thoughts

DEPLOY_GOAL = "Deploy a preview of the site"
DEPLOY_PROJECT, DEPLOY_REPOSITORY = "site", "acme/site"  # seeded in the code sandbox


def _plan(goal: str, steps: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "goal": goal,
        "risk": "low",
        "on_reject": "end",
        "steps": [{"tool": t, "args_json": json.dumps(a), "rationale": "bench"} for t, a in steps],
    }


def plan_reply(page_id: str) -> dict[str, Any]:
    """A valid plan: read ``page_id``, then finish."""
    return _plan(
        "Read the page", [("read_page", {"page_id": page_id}), ("finish", {"summary": "Read the page."})]
    )


def deploy_reply() -> dict[str, Any]:
    """A valid plan: a preview deployment of the sandbox's site from main, then finish (planning puts
    the owner's approval before the deployment: ``shared.engine.agent.plans``)."""
    deploy = {"project": DEPLOY_PROJECT, "repository": DEPLOY_REPOSITORY, "ref": "main"}
    return _plan(DEPLOY_GOAL, [("deploy_vercel", deploy), ("finish", {"summary": "Deployed."})])


def _answer(plan: dict[str, Any]) -> dict[str, Any]:
    candidate = {"content": {"role": "model", "parts": [{"text": json.dumps(plan)}]}, "finishReason": "STOP"}
    usage = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
    return {"candidates": [candidate], "usageMetadata": usage}


class ModelStandIn:
    def __init__(self, page_id: str) -> None:
        self._read = _answer(plan_reply(page_id))
        self._deploy = _answer(deploy_reply())
        self.calls = 0
        self.server = GeminiServer(self._reply)

    def _reply(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        answer = self._deploy if DEPLOY_GOAL in json.dumps(request) else self._read
        return with_thoughts(answer, request)  # a thinking model's, as Gemini reports it

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()
