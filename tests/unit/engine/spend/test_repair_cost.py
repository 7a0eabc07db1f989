"""Arguments the model repaired are paid for once: a read or draft step records them in an intent, so
its retries after transient errors use them instead of paying for a new repair (perhaps with other
arguments); only a refusal of the repaired arguments is repaired again."""

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.errors import ModelFixableError, TransientError
from shared.runs.domain.events import ModelUsed, RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps, plan_answer
from tests.support.engine.engine_runs import step_intent
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import Answer, FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def started(
    tool: str, args: dict[str, Any], notion: FakeNotion, script: dict[str, list[Answer]]
) -> tuple[Deps, FakeModel]:
    plan = plan_answer((tool, args), ("finish", {"summary": "ok"}))
    model = FakeModel({"PlanOut": [plan], **script})
    deps = make_deps(model=model, notion=notion)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="g", trigger=Trigger(kind="api")), deps)
    return deps, model


def repairs(model: FakeModel) -> int:
    return sum(1 for name, _ in model.prompts if name == "ArgsFix")


def result(deps: Deps) -> ToolResult:
    [done] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.step == 1]
    return done


def paid_recorded(deps: Deps, model: FakeModel, unpaid: int = 0) -> bool:
    """``unpaid``: calls answered by a scripted exception (nothing to pay)."""
    used = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed)]
    return len(used) == len(model.prompts) - unpaid


def test_a_repaired_read_retried_after_transient_errors_is_repaired_once() -> None:
    notion = FakeNotion()
    right = notion.add_page("Right")
    fixes: list[Answer] = [{"args_json": json.dumps({"page_id": right})}] * 4
    deps, model = started("read_page", {"page_id": "missing"}, notion, {"ArgsFix": fixes})
    notion.fail["retrieve_page"] = [ModelFixableError("no such page"), *[TransientError("503")] * 3]
    run_step(STEP, deps)  # refused: the next attempt repairs
    for _ in range(3):
        with pytest.raises(TransientError):
            run_step(STEP, deps)
    assert run_step(STEP, deps).acted
    assert repairs(model) == 1  # was 4, the later ones perhaps with other arguments
    assert result(deps).args == {"page_id": right} and result(deps).output["title"] == "Right"
    assert paid_recorded(deps, model)


def test_a_repaired_draft_whose_model_call_fails_is_not_repaired_again() -> None:
    fixes: list[Answer] = [{"args_json": json.dumps({"instructions": "fixed"})}, {"args_json": "{}"}]
    draft: list[Answer] = [ModelFixableError("off the schema"), TransientError("model: 503")]
    deps, model = started(
        "draft_text", {"instructions": "bad"}, FakeNotion(), {"ArgsFix": fixes, "Draft": draft}
    )
    run_step(STEP, deps)
    with pytest.raises(TransientError):
        run_step(STEP, deps)
    assert run_step(STEP, deps).acted
    assert repairs(model) == 1 and result(deps).args == {"instructions": "fixed"}
    assert paid_recorded(deps, model, unpaid=2)


def test_a_repaired_read_after_a_long_retry_after_is_not_repaired_again() -> None:
    notion = FakeNotion()
    right = notion.add_page("Right")
    deps, model = started(
        "read_page",
        {"page_id": "missing"},
        notion,
        {"ArgsFix": [{"args_json": json.dumps({"page_id": right})}]},
    )
    notion.fail["retrieve_page"] = [
        ModelFixableError("no such page"),
        TransientError("429", retry_after_s=90),
    ]
    run_step(STEP, deps)
    assert not run_step(STEP, deps).acted  # scheduled in 90 s
    later = deps._replace(clock=lambda: deps.clock() + timedelta(seconds=91))
    assert run_step(STEP, later).acted
    assert repairs(model) == 1 and result(deps).args == {"page_id": right}


def test_repaired_arguments_refused_again_are_repaired_again() -> None:
    notion = FakeNotion()
    right = notion.add_page("Right")
    fixes: list[Answer] = [
        {"args_json": '{"page_id": "still-wrong"}'},
        {"args_json": json.dumps({"page_id": right})},
    ]
    deps, model = started("read_page", {"page_id": "missing"}, notion, {"ArgsFix": fixes})
    notion.fail["retrieve_page"] = [ModelFixableError("no such page"), ModelFixableError("no such page")]
    run_step(STEP, deps)
    run_step(STEP, deps)  # the repaired arguments are refused: the tool's refusal, after the intent
    assert run_step(STEP, deps).acted
    assert repairs(model) == 2 and result(deps).args == {"page_id": right}


def test_a_repaired_read_whose_holder_died_after_its_intent_is_taken_over_not_stuck() -> None:
    notion = FakeNotion()
    right = notion.add_page("Right")
    fixes: list[Answer] = [{"args_json": json.dumps({"page_id": notion.add_page("Wrong")})}]
    deps, _ = started("read_page", {"page_id": "missing"}, notion, {"ArgsFix": fixes})
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(STEP, deps)
    # a delivery repaired, recorded its intent and died (its lease still runs)
    intent = step_intent(deps, "read_page", {"page_id": right})
    assert deps.store.add_event("t1", "r1", intent)
    assert run_step(STEP, deps).acted  # a read holds nothing: the intent's arguments are used
    assert result(deps).args == {"page_id": right}
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.cursor == 2 and run.state.status == RunStatus.RUNNING
