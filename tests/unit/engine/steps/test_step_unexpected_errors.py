"""A step stopped by an error the engine does not classify (a bug, a reply no adapter converted) or by
a ConfigError still records what it paid for and releases its intent before the request fails (500,
retried): its repair used to go unrecorded (outside every budget), and its live intent kept the retry,
a pause and a cancel waiting until the lease ran out."""

import json
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.engine.services.humans import control
from shared.platform.errors import ConfigError, ModelFixableError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, ModelUsed, RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


def started(notion: FakeNotion, page: str) -> tuple[Deps, FakeModel]:
    steps = [("add_comment", {"page_id": page, "text": "x"}), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    fix = {"args_json": json.dumps({"page_id": page, "text": "repaired"})}
    model = FakeModel({"PlanOut": [plan], "ArgsFix": [fix]})
    deps = make_deps(model=model, notion=notion)
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api", page_id=page)), deps
    )
    return deps, model


def test_an_unexpected_error_after_a_paid_repair_records_it_releases_the_intent_and_fails_the_request() -> (
    None
):
    notion = FakeNotion()
    page = notion.add_page("P")
    deps, model = started(notion, page)
    notion.fail["add_comment"] = [ModelFixableError("the text is too long")]
    run_step(STEP, deps)
    notion.fail["add_comment"] = [KeyError("results")]  # a reply shaped in a way nobody expected

    with pytest.raises(KeyError):
        run_step(STEP, deps)  # the function answers 500 and the queue retries

    events = deps.store.list_events("t1", "r1")
    assert len([e for e in events if isinstance(e, ModelUsed)]) == len(model.prompts)  # plan and repair
    last = events[-1]
    assert isinstance(last, ErrorRecorded) and last.error == ErrorKind.TRANSIENT
    assert last.message == "the attempt stopped on an unexpected KeyError"  # no detail of the bug
    assert run_step(STEP, deps).acted  # at once, not after the lease: with the repaired arguments
    [done] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    assert done.args["text"] == "repaired" and notion.writes["add_comment"] == 1
    assert [name for name, _ in model.prompts].count("ArgsFix") == 1


@pytest.mark.parametrize(
    ("error", "action"),
    [(RuntimeError("bug"), "cancel"), (ConfigError("NA_NOTION_CLIENT_ID is not set"), "pause")],
    ids=["unexpected", "config"],
)
def test_a_run_whose_step_failed_so_can_be_cancelled_or_paused_at_once(error: Exception, action: Any) -> None:
    notion = FakeNotion()
    deps, _ = started(notion, notion.add_page("P"))
    notion.fail["add_comment"] = [error]
    with pytest.raises(type(error)):
        run_step(STEP, deps)  # after its intent: nothing else would have released it
    state = control(deps, "t1", "r1", action)  # a 409 until the lease ran out, before
    assert state.status == (RunStatus.CANCELLED if action == "cancel" else RunStatus.PAUSED)
    assert notion.writes["add_comment"] == 0
