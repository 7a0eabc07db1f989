"""A run whose model writes past every cap (decision 0102): the model the
deployment builds from its settings (google-genai against the Gemini stand-in, which holds a call to
its ``maxOutputTokens`` as Vertex AI does), the run's log on the Firestore emulator. The draft step's
call is sent the cap its run's budget leaves room for, comes back cut at it, and is recorded as the
step's error (paid, never read as a draft: the step does not move on); the next attempt finds no
room for even the least cap and the run waits on its budget, never past it."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.bootstrap.declare import Instance
from shared.bootstrap.platform import Platform
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.domain.call_caps import ANSWER_TOKENS
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import ErrorRecorded, ModelUsed, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.gemini_server import JSON, GeminiServer
from tests.support.platform.google_credentials import service_account_file

pytestmark = pytest.mark.integration
PRICES = {"gemini-3.5-flash-lite": (0.30, 2.50), "gemini-3.5-flash": (1.50, 9.00)}
RUN_BUDGET = 0.15  # less than a draft's normal cap costs on Gemini 3.5 Flash (20,096 tokens: $0.18)
STEPS = [
    {"tool": "draft_text", "args_json": json.dumps({"instructions": "Write a short note on the launch"})},
    {"tool": "finish", "args_json": json.dumps({"summary": "${steps.1.text}"})},
]


def _answer(request: JSON) -> JSON:
    """The plan when asked for one; else a draft of 200,000 tokens, thinking first (it never stops)."""
    asked = json.dumps(request.get("generationConfig", {}).get("responseSchema") or {})
    plan = "steps" in asked
    text = json.dumps({"goal": "a note", "risk": "low", "on_reject": "end", "steps": STEPS})
    text = text if plan else json.dumps({"text": "blah " * 160_000})
    usage = {"promptTokenCount": 1000, "candidatesTokenCount": -(-len(text) // 4)}
    usage |= {} if plan else {"thoughtsTokenCount": 3000}
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "usageMetadata": usage}


@pytest.fixture
def gemini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GeminiServer]:
    server = GeminiServer(_answer)
    key = service_account_file(tmp_path / "sa.json", f"{server.url}/token")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    yield server
    server.stop()


def test_a_draft_cut_at_its_cap_is_the_steps_error_and_the_run_stops_within_its_budget(
    firestore_db: Any, gemini: GeminiServer
) -> None:
    deps = make_deps(
        notion=FakeNotion(),
        model_backend="vertex",
        gcp_project="notion-agent-local",
        model_base_url=gemini.url,
        model_prices=PRICES,
        model_fallback=False,
        default_run_budget_usd=RUN_BUDGET,
    )
    deps = deps._replace(
        store=FirestoreRunStore(firestore_db), model=Platform(Instance(deps.settings, {})).model
    )
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="a note", trigger=Trigger(kind="api")), deps)
    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)

    events = deps.store.list_events("t1", "r1")
    plan, draft = [e for e in events if isinstance(e, ModelUsed)]
    [error] = [e for e in events if isinstance(e, ErrorRecorded)]
    cap = draft.output_tokens
    assert (
        deps.settings.model_thinking_draft + 1_024 <= cap < deps.settings.model_thinking_draft + ANSWER_TOKENS
    )
    assert f"cut at its cap of {cap} output tokens" in error.message
    assert plan.cost_usd + draft.cost_usd <= RUN_BUDGET
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.cursor == 1 and run.state.status == RunStatus.RUNNING
    assert "1" not in run.state.outputs  # nothing of the cut draft was kept as the step's output

    run_step(StepTask(tenant_id="t1", run_id="r1", step=1), deps)  # no room left for the least cap
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert run.state.waiting is not None and "budget" in run.state.waiting.prompt
    used = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed)]
    assert len(used) == 2 and run.state.cost_usd <= RUN_BUDGET
