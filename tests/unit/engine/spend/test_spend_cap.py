"""The deployment's daily model spend cap (NA_SPEND_CAP_DAY_USD), over every workspace: each model call
reserves NA_MODEL_CALL_RESERVE_USD on the day's counter before it is made and replaces it with its
cost once paid; the call that would go past the cap is refused, and the run says so as it says a
spent budget. (Concurrent calls at the cap, on the Firestore emulator: test_spend_cap_firestore.py.)"""

import json
from contextlib import suppress
from datetime import UTC, datetime

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import Conflict, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services import usage
from shared.runs.services.deps import Deps
from shared.runs.services.spend import SPEND_CAP_REACHED
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.runs.run_store import FakeRunStore
from tests.support.runs.trigger_gates import setup as trigger_setup
from tests.support.workspace.workspace_fakes import connected_tenants

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = "2026-11-21"


def capped(model: FakeModel, cap: float, reserve: float = 0.1) -> Deps:
    deps = make_deps(model=model, spend_cap_day_usd=cap, model_call_reserve_usd=reserve)
    return deps._replace(clock=lambda: T0)


def plan(deps: Deps, run_id: str, tenant_id: str = "t1") -> RunStatus:
    start_run(PlanTask(tenant_id=tenant_id, run_id=run_id, goal="Tidy", trigger=Trigger(kind="api")), deps)
    run = deps.store.get_run(tenant_id, run_id)
    assert run is not None
    return run.state.status


def counter(deps: Deps) -> float:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store.spend_by_day.get(DAY, 0.0)


def test_the_call_that_would_pass_the_cap_is_refused_and_the_run_says_why() -> None:
    model = FakeModel({"PlanOut": [FINISH_PLAN, FINISH_PLAN, FINISH_PLAN]}, cost_usd=0.1)
    deps = capped(model, cap=0.25)
    assert plan(deps, "r1") == RunStatus.RUNNING
    assert plan(deps, "r2") == RunStatus.RUNNING
    assert counter(deps) == 0.2  # each reservation became the call's cost
    # 0.2 + the next call's 0.1 would pass 0.25: refused before the model is asked.
    assert plan(deps, "r3") == RunStatus.WAITING_FOR_HUMAN
    assert len(model.prompts) == 2
    run = deps.store.get_run("t1", "r3")
    assert run is not None and run.state.waiting is not None
    assert run.state.waiting.purpose == "limit" and run.state.waiting.budget  # as a spent budget is told
    assert SPEND_CAP_REACHED in run.state.waiting.prompt and "midnight UTC" in run.state.waiting.prompt
    assert counter(deps) == 0.2  # the refused call reserved nothing


def test_the_cap_counts_every_workspace_together() -> None:
    deps = capped(FakeModel({"PlanOut": [FINISH_PLAN, FINISH_PLAN]}, cost_usd=0.1), cap=0.15)
    deps = deps._replace(tenants=connected_tenants(deps.settings, "t1", "t2"))
    assert plan(deps, "r1", "t1") == RunStatus.RUNNING
    assert plan(deps, "r2", "t2") == RunStatus.WAITING_FOR_HUMAN  # another workspace, the same cap


def test_a_cap_of_zero_stops_every_model_call() -> None:
    model = FakeModel({"PlanOut": [FINISH_PLAN]})
    deps = capped(model, cap=0.0)
    assert plan(deps, "r1") == RunStatus.WAITING_FOR_HUMAN and model.prompts == []


def test_a_call_that_costs_less_than_its_reservation_leaves_room_for_more() -> None:
    model = FakeModel({"PlanOut": [FINISH_PLAN] * 5}, cost_usd=0.02)
    deps = capped(model, cap=0.1, reserve=0.05)
    # Reservations alone would let two calls through (2 x 0.05); their costs let three.
    assert [plan(deps, f"r{n}") for n in range(3)] == [RunStatus.RUNNING] * 3
    assert abs(counter(deps) - 0.06) < 1e-9
    assert plan(deps, "r3") == RunStatus.WAITING_FOR_HUMAN  # 0.06 + 0.05 > 0.1


def test_a_call_that_fails_unpaid_gives_its_reservation_back() -> None:
    model = FakeModel({"PlanOut": [TransientError("vertex: 503")]}, cost_usd=0.1)
    deps = capped(model, cap=1.0)
    with suppress(TransientError):  # the queue retries the plan task
        plan(deps, "r1")
    # Changed by 0061: the reservation goes back to the instance's share of the cap, not the counter,
    # and funds its next call; nothing of it is spent: the retry's call reserves nothing more.
    assert len(model.prompts) == 1 and counter(deps) == 0.1 and deps.spend.cap_held == {DAY: 0.1}
    model.script["PlanOut"].append(FINISH_PLAN)
    assert plan(deps, "r1") == RunStatus.RUNNING
    assert counter(deps) == 0.1 and deps.spend.cap_held == {DAY: 0.0}  # the counter: what was paid


def test_a_step_whose_model_call_meets_the_cap_stops_as_at_a_spent_budget() -> None:
    draft = {"tool": "draft_text", "args_json": json.dumps({"instructions": "write"})}
    plan_out = {"goal": "g", "risk": "low", "steps": [draft, FINISH_PLAN["steps"][0]]}
    model = FakeModel({"PlanOut": [plan_out]}, cost_usd=0.1)
    deps = capped(model, cap=0.15)  # the plan's call fits, the draft's would not
    assert plan(deps, "r1") == RunStatus.RUNNING
    assert isinstance(deps.queue, FakeQueue)
    body = deps.queue.take()[1]
    assert isinstance(body, StepTask)
    run_step(body, deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert run.state.waiting is not None and run.state.waiting.budget
    assert SPEND_CAP_REACHED in run.state.waiting.prompt
    assert [name for name, _ in model.prompts] == ["PlanOut"]  # the draft was never asked for


# -- once the cap is spent, as a spent workspace budget: events start nothing, approvals are refused --


def webhook_change(n: int) -> PlanTask:
    trigger = Trigger(
        kind="webhook", event_id=f"ev{n}", event_type="page.content_updated", page_id=f"page-{n}"
    )
    return PlanTask(tenant_id="t1", run_id=f"wh-ev{n}", trigger=trigger)


def test_while_the_cap_is_spent_notion_events_start_nothing_and_the_owner_is_told_once() -> None:
    deps, model, notion = trigger_setup(spend_cap_day_usd=0.0)
    for n in (1, 2, 3):
        assert start_run(webhook_change(n), deps) is False
    assert model.prompts == [] and notion.calls == []  # no run, no Notion read
    assert isinstance(deps.queue, FakeQueue)
    [(queue, note, name, _)] = deps.queue.tasks  # one notice for the day, whatever the events
    assert queue is Queue.NOTIFY and isinstance(note, NotifyTask)
    assert name == "notify:t1:spend-cap-20261121"
    assert "service's budget is spent" in note.subject and SPEND_CAP_REACHED in note.text
    assert "raise" not in note.text  # no setting of the owner's lifts the operator's cap
    assert usage.usage(deps, "t1")["paused"] == SPEND_CAP_REACHED


def test_approving_a_run_stopped_by_the_cap_is_refused_while_it_is_spent() -> None:
    deps = capped(FakeModel({"PlanOut": [FINISH_PLAN]}), cap=0.0)
    assert plan(deps, "r1") == RunStatus.WAITING_FOR_HUMAN
    with pytest.raises(Conflict) as caught:
        humans.respond(deps, "t1", "r1", "approve")
    assert SPEND_CAP_REACHED in caught.value.reason and "after midnight UTC" in caught.value.reason
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN  # nothing recorded
    assert humans.respond(deps, "t1", "r1", "reject").status == RunStatus.CANCELLED
