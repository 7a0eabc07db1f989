"""Runs whose first model family fails and the other answers: the Gemini and
Claude-on-Vertex stand-ins, Application Default Credentials granted by Gemini's stand-in, and the
engine's deps with the model the deployment builds (both real SDKs) over a Firestore run store.
Shared by the fallback tests and ``make bench-sync``'s fallback part (tests/perf/sync/bench_fallback.py)."""

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local.claude_vertex import ClaudeVertexStandIn
from shared.bootstrap.declare import Instance
from shared.bootstrap.platform import Platform
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.gemini_server import JSON, GeminiServer
from tests.support.platform.google_credentials import service_account_file

GEMINI = {"gemini-3.5-flash-lite": (0.30, 2.50), "gemini-3.5-flash": (1.50, 9.00)}
CLAUDE = {"claude-haiku-4-5": (1.00, 5.00), "claude-sonnet-4-6": (3.00, 15.00)}
PRICES = GEMINI | CLAUDE


def plan_of(*steps: tuple[str, JSON]) -> JSON:
    """A plan (a low-risk one that ends on a rejection) of ``steps``: (tool, arguments) each."""
    planned = [{"tool": tool, "args_json": json.dumps(args)} for tool, args in steps]
    return {"goal": "a note", "risk": "low", "on_reject": "end", "steps": planned}


DRAFT_THEN_FINISH = plan_of(
    ("draft_text", {"instructions": "Write a short note on the launch"}),
    ("finish", {"summary": "${steps.1.text}"}),
)


def gemini_answer(value: JSON) -> JSON:
    """Gemini's answer carrying ``value`` as its JSON text: 1,000 tokens in and 100 out."""
    candidate = {"content": {"role": "model", "parts": [{"text": json.dumps(value)}]}, "finishReason": "STOP"}
    usage = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
    return {"candidates": [candidate], "usageMetadata": usage}


class Plans:
    """Gemini's answers: ``plan`` to a call whose schema has steps, a short draft to any other; each
    after ``delays``' next wait if any (a call held past the caller's timeout)."""

    def __init__(self, plan: JSON = DRAFT_THEN_FINISH) -> None:
        self.plan = plan
        self.delays: list[float] = []

    def __call__(self, request: JSON) -> JSON:
        if self.delays:
            time.sleep(self.delays.pop(0))
        config = request.get("generationConfig") or {}
        schema = json.dumps(config.get("responseSchema") or config.get("responseJsonSchema") or {})
        draft = {"title": "Launch", "text": "The launch is on Monday."}
        return gemini_answer(self.plan if '"steps"' in schema else draft)


@contextmanager
def model_stand_ins(plans: Plans) -> Iterator[tuple[GeminiServer, ClaudeVertexStandIn]]:
    """Both stand-ins running, ``GOOGLE_APPLICATION_CREDENTIALS`` a service account whose token grant
    is Gemini's stand-in; the variable put back and both stopped on the way out."""
    before = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    gemini, claude = GeminiServer(plans), ClaudeVertexStandIn()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            key = service_account_file(Path(tmp) / "sa.json", f"{gemini.url}/token")
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(key)
            yield gemini, claude
    finally:
        if before is None:
            os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        else:
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = before
        gemini.stop()
        claude.stop()


def fallback_deps(
    db: Any,
    gemini: GeminiServer,
    claude: ClaudeVertexStandIn,
    notion: FakeNotion | None = None,
    **settings: Any,
) -> Deps:
    """The engine's deps: the vertex backend over both stand-ins, priced by :data:`PRICES` (unless
    ``settings`` say otherwise), the run store on ``db`` (the Firestore emulator's client)."""
    vertex: dict[str, Any] = {
        "model_backend": "vertex",
        "gcp_project": "notion-agent-local",
        "model_base_url": gemini.url,
        "model_claude_base_url": claude.url,
        "model_prices": PRICES,
        "model_call_reserve_usd": 0.5,
    }
    deps = make_deps(notion=notion or FakeNotion(), **(vertex | settings))
    return deps._replace(store=FirestoreRunStore(db), model=Platform(Instance(deps.settings, {})).model)
