"""A retry after an intent whose effect may have happened uses that intent's arguments, so the tool's
reconciliation looks for what was written; a refusal by the tool still gets repaired arguments."""

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.platform.errors import ModelFixableError, TransientError
from shared.runs.domain.events import ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


class Crash(Exception):
    """The instance dies (not an error the engine handles): nothing after the effect is recorded."""


def started(notion: FakeNotion, parent: str, *contents: str) -> tuple[Deps, FakeModel]:
    """A run whose first step creates a page with a property Notion refuses; the model's repairs
    drop it and rewrite the content, one content per repair (a repair keeps the title: find_page
    looks a page up by it)."""
    refused = {"title": "Report", "parent_page_id": parent, "content": "hello", "properties": {"Bad": 1}}
    steps = [("create_page", refused), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    fixes: list[Any] = [
        {"args_json": json.dumps({"title": "Report", "parent_page_id": parent, "content": c})}
        for c in contents
    ]
    model = FakeModel({"PlanOut": [plan], "ArgsFix": fixes})
    deps = make_deps(model=model, notion=notion)
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api", page_id=parent)), deps
    )
    notion.fail["create_page"] = [ModelFixableError("property Bad does not exist")]
    run_step(STEP, deps)  # the tool refuses the planned arguments after the intent
    return deps, model


def result(deps: Deps) -> ToolResult:
    [found] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult)]
    return found


def test_a_lost_reply_is_reconciled_with_the_intents_args_not_a_new_repair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notion = FakeNotion()
    deps, model = started(notion, parent := notion.add_page("Parent"), "Weekly report", "Weekly report (Jan)")
    create = notion.create_page

    def created_then_lost(*args: Any, **kwargs: Any) -> dict[str, Any]:
        create(*args, **kwargs)
        raise TransientError("notion: HTTP 504")

    monkeypatch.setattr(notion, "create_page", created_then_lost)
    with pytest.raises(TransientError):
        run_step(STEP, deps)  # repaired, written, the answer lost
    monkeypatch.setattr(notion, "create_page", create)
    assert run_step(STEP, deps).acted

    assert notion.writes["create_page"] == 1
    done = result(deps)
    assert (
        done.reconciled and done.args["content"] == "Weekly report" and done.args["parent_page_id"] == parent
    )
    assert [name for name, _ in model.prompts].count("ArgsFix") == 1  # the retry asked the model nothing


def test_an_expired_intent_taken_over_brings_its_args_not_the_new_repair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notion = FakeNotion()
    deps, _ = started(notion, notion.add_page("Parent"), "Weekly report", "Weekly report (Jan)")
    create = notion.create_page

    def created_then_crash(*args: Any, **kwargs: Any) -> dict[str, Any]:
        create(*args, **kwargs)
        raise Crash()

    monkeypatch.setattr(notion, "create_page", created_then_crash)
    with pytest.raises(Crash):
        run_step(STEP, deps)  # repaired, intent recorded, written; the instance died
    monkeypatch.setattr(notion, "create_page", create)
    late = deps._replace(clock=lambda: deps.clock() + timedelta(seconds=deps.settings.step_lease_s + 1))
    assert run_step(STEP, late).acted  # the lease expired: a new attempt, whose repair says "(Jan)"

    assert notion.writes["create_page"] == 1
    done = result(deps)
    assert done.reconciled and done.args["content"] == "Weekly report"
