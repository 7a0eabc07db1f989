"""Two narrow windows of recording usage alone (``run_log.keep_usage``), found by review:

- an append that lands between keep_usage's read of the run and its listing of the log's tail: its
  committed events were taken for another delivery's live intent, the usage went past them without
  the run document, and every later decision on the run (approve, cancel, pause) was a 409 for good;
- a new run whose creation went through but was answered "already exists" (the Firestore client
  retries a commit that met UNAVAILABLE): its plan's usage was recorded a second time.
"""

import json
from collections.abc import Callable

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import ModelFixableError, TransientError
from shared.runs.domain.events import ModelUsed, RunEvent, RunStatus
from shared.runs.domain.state import Run
from shared.runs.domain.step_task import StepTask
from tests.engine_fakes import make_deps
from tests.fakes import FakeRunStore
from tests.support.engine.usage_races import (
    INVALID,
    STEP,
    TASK,
    HookedModel,
    HookedNotion,
    assert_every_paid_call_recorded,
    log,
)


def plan(*steps: tuple[str, dict[str, object]]) -> dict[str, object]:
    return {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


class AppendBetweenReads(FakeRunStore):
    """``between`` runs once, right after the next ``get_run`` once ``armed``: another writer."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.between: Callable[[], object] = lambda: None

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        run = super().get_run(tenant_id, run_id)
        if self.armed:
            self.armed = False
            self.between()
        return run


def test_usage_kept_while_the_next_step_records_goes_after_it_in_the_document_too() -> None:
    notion = HookedNotion()
    page = notion.add_page("P")
    store = AppendBetweenReads()
    model = HookedModel(
        {
            "PlanOut": [
                plan(
                    ("read_page", {"page_id": page}),
                    ("request_approval", {"summary": "ok?"}),
                    ("finish", {"summary": "ok"}),
                )
            ]
        }
    )
    deps = make_deps(model=model, notion=notion, store=store)
    start_run(TASK, deps)
    notion.fail["retrieve_page"] = [ModelFixableError("no such page")]
    run_step(STEP, deps)  # refused: the next attempts pay for a repair

    def the_other_delivery_records_first() -> None:
        assert run_step(STEP, deps).acted
        store.armed = True  # this delivery's next run read is keep_usage's
        store.between = lambda: run_step(StepTask(tenant_id="t1", run_id="r1", step=2), deps)

    notion.during["retrieve_page"] = the_other_delivery_records_first
    assert not run_step(STEP, deps).acted

    _, state = log(deps)  # the document is the log's fold
    assert state.status == RunStatus.WAITING_FOR_HUMAN
    assert_every_paid_call_recorded(deps, model)
    assert state.waiting is not None
    approved = humans.respond(deps, "t1", "r1", "approve", request_id=state.waiting.request_id)
    assert approved.status == RunStatus.RUNNING


class AppliedThenAlreadyExists(FakeRunStore):
    """The first create_run is applied, then answered as if the run existed (a retried commit)."""

    retried = True

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        created = super().create_run(tenant_id, run_id, events)
        if self.retried:
            self.retried = False
            return False
        return created


def test_a_run_created_by_a_commit_answered_already_exists_counts_its_plan_once() -> None:
    model = HookedModel(
        {"PlanOut": [plan(("draft_text", {"instructions": "x"}), ("finish", {"summary": "ok"}))]}
    )
    deps = make_deps(model=model, store=AppliedThenAlreadyExists())
    start_run(TASK, deps)
    events = assert_every_paid_call_recorded(deps, model)
    assert len([e for e in events if isinstance(e, ModelUsed)]) == 1


def test_a_run_planned_again_after_paid_attempts_counts_them_against_its_run_budget() -> None:
    """Each retry of a plan that a 429 interrupts after a paid call used to start its run budget
    afresh; it now counts what the run spent already (and the budgets a person granted it)."""
    model = HookedModel(
        {"PlanOut": [INVALID, TransientError("model: HTTP 429"), INVALID, INVALID, TransientError("429")]}
    )
    # A call costs and reserves $0.001: two fit the run budget, a third would pass it.
    deps = make_deps(
        model=model, plan_max_reasks=3, default_run_budget_usd=0.0025, model_call_reserve_usd=0.001
    )
    with pytest.raises(TransientError):
        start_run(TASK, deps)  # one paid attempt, kept on a run with no steps
    assert start_run(TASK, deps) is False  # the retry: one more paid attempt, then over the run budget
    _, state = log(deps)
    assert state.status == RunStatus.WAITING_FOR_HUMAN and state.waiting is not None and state.waiting.budget
    assert len(model.prompts) == 3  # paid, 429, paid: not a second paid call on the retry
    assert_every_paid_call_recorded(deps, model, unpaid=1)
