"""Duplicate deliveries of one step on the Firestore emulator: the delivery that loses the race
records its paid model calls and nothing else, without breaking the log (dense seqs, the run document
caching the fold of the log) or the winner's result."""

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel

from shared.engine.planning.start import start_run
from shared.engine.services.engine import StepOutcome, run_step
from shared.engine.services.run_log import StepHeld
from shared.platform.domain.model_calls import ModelReply
from shared.platform.errors import ModelFixableError
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import ModelUsed, RunEvent, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps, plan_answer
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration
STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


@dataclass
class MeetingModel(FakeModel):
    """Repairs (``ArgsFix``) wait for each other at ``barrier``: both deliveries have paid before either
    goes on."""

    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=30))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        with self.lock:
            reply = super().generate(tier, prompt, schema)
        if schema.__name__ == "ArgsFix":
            self.barrier.wait()
        return reply


@dataclass
class HeldNotion(FakeNotion):
    """``during_comment`` runs once, inside the next ``add_comment`` (its caller holds the intent)."""

    during_comment: list[Any] = field(default_factory=list)

    def add_comment(self, token: str, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        if self.during_comment:
            self.during_comment.pop()()
        return super().add_comment(token, page_id, text, discussion_id)


def started(db: Any, model: FakeModel, notion: FakeNotion, tool: str, args: dict[str, Any]) -> Deps:
    model.script["PlanOut"] = [plan_answer((tool, args), ("finish", {"summary": "ok"}))]
    deps = make_deps(model=model, notion=notion)._replace(store=FirestoreRunStore(db))
    # A write's page is the run's trigger page, its own: no approval is asked (test_authority.py).
    page = args.get("page_id") if tool in {"add_comment", "append_blocks", "update_properties"} else None
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api", page_id=page)), deps
    )
    return deps


def checked_log(deps: Deps, model: FakeModel) -> list[RunEvent]:
    run = deps.store.get_run("t1", "r1")
    events = deps.store.list_events("t1", "r1")
    assert run is not None and run.state == fold(events)  # dense, in order, cached as folded
    paid = len(model.prompts)
    assert len([e for e in events if isinstance(e, ModelUsed)]) == paid
    assert run.state.cost_usd == pytest.approx(model.cost_usd * paid)
    day, month = deps.store.spend("t1", events[-1].at.strftime("%Y-%m-%d"), events[-1].at.strftime("%Y-%m"))
    assert day == month == pytest.approx(model.cost_usd * paid)  # what the tenant's budgets sum
    return events


def test_two_deliveries_repairing_a_read_at_once_both_pay_and_both_are_recorded(firestore_db: Any) -> None:
    model, notion = MeetingModel(), FakeNotion()
    deps = started(firestore_db, model, notion, "read_page", {"page_id": notion.add_page("P")})
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(STEP, deps)  # the next attempts repair the arguments
    outcomes: list[StepOutcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(run_step(STEP, deps))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o.acted for o in outcomes) == [False, True]
    events = checked_log(deps, model)  # the plan and both repairs
    assert [e.step for e in events if isinstance(e, ToolResult)] == [1]


def test_a_delivery_that_finds_the_intent_held_pays_for_nothing(firestore_db: Any) -> None:
    model, notion = FakeModel(), HeldNotion()
    page = notion.add_page("P")
    deps = started(firestore_db, model, notion, "add_comment", {"page_id": page, "text": "x"})
    notion.fail["add_comment"] = [ModelFixableError("bad text")]
    run_step(STEP, deps)

    def other_delivery() -> None:
        # it reads the intent past the run document (which the intent stays out of): no repair, 503
        with pytest.raises(StepHeld, match="in progress elsewhere"):
            run_step(STEP, deps)
        run = deps.store.get_run("t1", "r1")
        assert run is not None and run.state.pending is not None and run.state.pending.released
        assert [e.kind for e in deps.store.list_events("t1", "r1", run.state.last_seq)] == ["tool_intent"]

    notion.during_comment.append(other_delivery)
    assert run_step(STEP, deps).acted
    events = checked_log(deps, model)  # the plan and the holder's repair, each recorded once
    assert [name for name, _ in model.prompts].count("ArgsFix") == 1
    assert [e.kind for e in events[-4:]] == ["error_recorded", "tool_intent", "model_used", "tool_result"]
    assert notion.writes["add_comment"] == 1
