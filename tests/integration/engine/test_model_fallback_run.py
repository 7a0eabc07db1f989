"""A run whose Gemini fails mid-run (a 429, a call that times out) completes on Claude: the model the
deployment builds from its settings (shared.bootstrap.platform) with both real SDKs, google-genai
against the Gemini stand-in and Anthropic's AnthropicVertex against the Claude-on-Vertex stand-in,
authenticated as in production by Application Default Credentials (a service account whose token
endpoint is the Gemini stand-in's), the run's log on the Firestore emulator."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.claude_vertex import ClaudeVertexStandIn
from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.runs.domain.events import ModelUsed, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.fallback_runs import Plans, fallback_deps, model_stand_ins
from tests.support.platform.gemini_server import GeminiServer

pytestmark = pytest.mark.integration


@pytest.fixture
def stand_ins() -> Iterator[tuple[GeminiServer, Plans, ClaudeVertexStandIn]]:
    plans = Plans()
    with model_stand_ins(plans) as (gemini, claude):
        yield gemini, plans, claude


def started(db: Any, gemini: GeminiServer, claude: ClaudeVertexStandIn, **settings: Any) -> Deps:
    deps = fallback_deps(db, gemini, claude, **settings)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="a note", trigger=Trigger(kind="api")), deps)
    return deps


@pytest.mark.parametrize("failure", ["429", "timeout"])
def test_gemini_failing_mid_run_hands_the_draft_to_claude_and_the_run_completes(
    firestore_db: Any, stand_ins: tuple[GeminiServer, Plans, ClaudeVertexStandIn], failure: str
) -> None:
    gemini, plans, claude = stand_ins
    deps = started(firestore_db, gemini, claude, model_timeout_s=5.0)  # planned on Gemini
    if failure == "429":
        gemini.failures.append(429)  # the draft's call: rate-limited
    else:
        plans.delays.append(7.0)  # the draft's call: past the model call's 5 s timeout
    for step in (1, 2):
        run_step(StepTask(tenant_id="t1", run_id="r1", step=step), deps)

    run = deps.store.get_run("t1", "r1")
    assert run is not None
    assert run.state.status == RunStatus.COMPLETED, run.state.summary
    used = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed)]
    assert [(u.purpose, u.model) for u in used] == [
        ("plan", "gemini-3.5-flash-lite"),
        ("draft", "claude-sonnet-4-6"),
    ]
    plan, draft = used
    assert plan.fallback == ""
    assert (
        draft.fallback.startswith("gemini-3.5-flash failed (model: ")
        and "claude-sonnet-4-6 answered" in draft.fallback
    )
    assert ("HTTP 429" if failure == "429" else "Timeout") in draft.fallback
    # Priced at Claude's rates: the draft's tokens at Sonnet's, the plan's at Gemini Flash-Lite's.
    assert draft.cost_usd == pytest.approx((draft.input_tokens * 3.0 + draft.output_tokens * 15.0) / 1e6)
    assert plan.cost_usd == pytest.approx((1000 * 0.30 + 100 * 2.50) / 1e6)
    assert run.state.cost_usd == pytest.approx(plan.cost_usd + draft.cost_usd)
    day = used[-1].at.strftime("%Y-%m-%d")
    assert deps.store.spend("t1", day, day[:7])[0] == pytest.approx(run.state.cost_usd)  # the tenant's spend
    [(path, body)] = claude.calls
    assert path.endswith("/publishers/anthropic/models/claude-sonnet-4-6:rawPredict")
    assert body["tool_choice"]["name"] == "Draft"
