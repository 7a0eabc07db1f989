"""Every model call that was paid for reaches the run's log as ``model_used`` (and so the budgets),
whatever ends the step: a fixable, transient, budget or permanent error, or an answer off the schema."""

import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.adapters.vertex_model import OnVertex, VertexModel
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import AgentError, ModelFixableError, PermanentError, TransientError
from shared.runs.domain.events import ErrorRecorded, HumanRequested, ModelUsed, RunEvent, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps, plan_answer
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import Answer, FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def started(
    tool: str,
    args: dict[str, Any],
    notion: FakeNotion,
    script: dict[str, list[Answer]] | None = None,
    **settings: Any,
) -> tuple[Deps, FakeModel]:
    plan = plan_answer((tool, args), ("finish", {"summary": "ok"}))
    model = FakeModel({"PlanOut": [plan], **(script or {})}, cost_usd=settings.pop("cost_usd", 0.001))
    deps = make_deps(model=model, notion=notion, **settings)
    start_run(
        PlanTask(
            tenant_id="t1",
            run_id="r1",
            goal="do",
            trigger=Trigger(kind="api", page_id=_written(tool, args)),
        ),
        deps,
    )
    return deps, model


def _written(tool: str, args: dict[str, Any]) -> str | None:
    """The page a write tool changes, made the run's trigger page: its own, so no approval is asked
    (that is tests/unit/engine/authority/test_authority.py's)."""
    if tool in {"add_comment", "append_blocks", "update_properties"}:
        return str(args["page_id"])
    return str(args["parent_page_id"]) if tool == "create_page" else None


def log(deps: Deps) -> tuple[list[RunEvent], RunState]:
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return deps.store.list_events("t1", "r1"), run.state


def assert_all_paid_calls_recorded(deps: Deps, model: FakeModel, unpaid: int = 0) -> RunState:
    """``unpaid``: the calls answered by a scripted exception (no answer, nothing to pay)."""
    events, state = log(deps)
    paid = len(model.prompts) - unpaid
    assert len([e for e in events if isinstance(e, ModelUsed)]) == paid
    assert state.cost_usd == pytest.approx(model.cost_usd * paid)
    return state


def test_repairs_that_the_tool_refuses_are_recorded_with_each_error() -> None:
    notion = FakeNotion()
    notion.fail["add_comment"] = [ModelFixableError("bad text")] * 3
    deps, model = started("add_comment", {"page_id": notion.add_page("P"), "text": "x"}, notion)
    for _ in range(3):
        run_step(STEP, deps)
    state = assert_all_paid_calls_recorded(deps, model)
    assert state.consecutive_errors == 3
    events, _ = log(deps)
    after_repair = [(a.kind, b.kind) for a, b in itertools.pairwise(events) if isinstance(a, ModelUsed)]
    assert ("model_used", "error_recorded") in after_repair  # one append: the call, then its error


def test_a_repair_before_a_short_transient_error_is_recorded() -> None:
    notion = FakeNotion()
    notion.fail["retrieve_page"] = [ModelFixableError("no such page"), TransientError("503")]
    deps, model = started("read_page", {"page_id": notion.add_page("P")}, notion)
    run_step(STEP, deps)
    with pytest.raises(TransientError):
        run_step(STEP, deps)  # no intent to release: only the repair's usage is written
    assert_all_paid_calls_recorded(deps, model)
    assert run_step(STEP, deps).acted


def test_a_repair_before_a_long_transient_error_is_recorded_with_it() -> None:
    notion = FakeNotion()
    notion.fail["add_comment"] = [ModelFixableError("bad text"), TransientError("429", retry_after_s=90.0)]
    deps, model = started("add_comment", {"page_id": notion.add_page("P"), "text": "x"}, notion)
    run_step(STEP, deps)
    assert "retry in" in run_step(STEP, deps).reason
    assert_all_paid_calls_recorded(deps, model)
    events, _ = log(deps)
    assert isinstance(events[-1], ErrorRecorded) and isinstance(events[-2], ModelUsed)


def test_a_repair_that_reaches_the_budget_is_recorded_with_the_stop() -> None:
    bad = ModelFixableError("the answer did not match the Draft schema")  # scripted: not paid for
    deps, model = started(
        "draft_text",
        {"instructions": "write"},
        FakeNotion(),
        {"Draft": [bad]},
        cost_usd=0.6,
        default_run_budget_usd=1.0,
    )
    run_step(STEP, deps)
    run_step(STEP, deps)  # the repair is paid, then the draft would exceed the run's budget
    state = assert_all_paid_calls_recorded(deps, model, unpaid=1)
    assert state.status == RunStatus.WAITING_FOR_HUMAN and state.cost_usd == pytest.approx(1.2)
    events, _ = log(deps)
    assert isinstance(events[-1], HumanRequested) and events[-1].request_id == f"limit-1-{events[-1].seq}"


def test_a_repair_before_a_permanent_error_is_recorded() -> None:
    notion = FakeNotion()
    notion.fail["add_comment"] = [ModelFixableError("bad text"), PermanentError("Notion answered 403")]
    deps, model = started("add_comment", {"page_id": notion.add_page("P"), "text": "x"}, notion)
    run_step(STEP, deps)
    run_step(STEP, deps)
    state = assert_all_paid_calls_recorded(deps, model)
    assert state.status == RunStatus.FAILED


def test_an_answer_off_the_schema_is_paid_and_recorded() -> None:
    deps, model = started("draft_text", {"instructions": "write"}, FakeNotion(), {"Draft": [{"text": ""}]})
    run_step(STEP, deps)
    state = assert_all_paid_calls_recorded(deps, model)
    assert state.consecutive_errors == 1 and "did not match" in state.last_error


def test_the_vertex_adapter_reads_the_usage_of_an_answer_off_the_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vertex = OnVertex("proj", "europe-west1", "http://127.0.0.1:9")
    model = VertexModel(vertex, {"fast": "gemini-test"}, {"gemini-test": (2.0, 10.0)})
    response = SimpleNamespace(
        parsed=None,
        text='{"goal": 1}',
        usage_metadata=SimpleNamespace(prompt_token_count=1000, candidates_token_count=100),
    )
    client = SimpleNamespace(models=SimpleNamespace(generate_content=lambda **_: response))
    monkeypatch.setattr(model, "_client", client)  # the answer, without a request
    with pytest.raises(ModelFixableError) as raised:
        model.generate("fast", "prompt", PlanOut)
    usage = getattr(raised.value, "usage", None)
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (1000, 100)
    assert usage.cost_usd == pytest.approx((1000 * 2.0 + 100 * 10.0) / 1e6)
    assert isinstance(raised.value, AgentError) and "PlanOut" in raised.value.reason
