"""Decisions on a waiting run: a link is spent only by its recorded decision, and of decisions
made at the same moment exactly one is recorded (``shared/engine/services/humans.py``)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import pytest

from shared.engine.services import humans
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import Conflict, InvalidInput, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.events import (
    HumanRequested,
    HumanResponded,
    PlannedStep,
    RunPaused,
    RunPlanned,
    RunResumed,
    RunStatus,
)
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunEvent, RunState
from shared.runs.services.deps import Deps
from tests.engine_fakes import make_deps
from tests.fakes import FakeQueue, FakeRunStore
from tests.link_tokens import decision_token
from tests.support.engine.engine_runs import state

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
STEPS = [PlannedStep(tool="request_approval"), PlannedStep(tool="finish")]


def waiting_run(
    purpose: Literal["approval", "question"] = "approval", on_reject: Literal["end", "replan"] = "end"
) -> Deps:
    deps = make_deps()._replace(clock=lambda: T0)
    events: list[RunEvent] = [
        RunPlanned(seq=1, at=T0, goal="g", trigger="api", steps=STEPS, on_reject=on_reject),
        HumanRequested(seq=2, at=T0, request_id="req-1", step=1, purpose=purpose, prompt="ok?"),
    ]
    assert deps.store.create_run("t1", "r1", events)
    return deps


def link(deps: Deps, decision: str) -> str:
    return decision_token(deps, "t1", "r1", "req-1", decision, epoch="epoch-t1")


def store_of(deps: Deps) -> FakeRunStore:
    assert isinstance(deps.store, FakeRunStore)
    return deps.store


def responses(deps: Deps) -> list[HumanResponded]:
    return [e for e in deps.store.list_events("t1", "r1") if isinstance(e, HumanResponded)]


def replans(deps: Deps) -> list[str]:
    assert isinstance(deps.queue, FakeQueue)
    return [name for q, _, name, _ in deps.queue.tasks if q == Queue.PLAN]


def meanwhile(deps: Deps, other: Callable[[], Any]) -> list[object]:
    """Make ``other`` happen between the next append's read of the run and its write."""
    store, outcome = store_of(deps), []
    original = store.append

    def append(tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        del vars(store)["append"]  # the class's own again
        try:
            outcome.append(other())
        except Conflict as exc:
            outcome.append(exc)
        return original(tenant_id, run_id, state, events)

    vars(store)["append"] = append
    return outcome


def test_a_link_refused_while_the_run_is_paused_works_once_it_is_resumed() -> None:
    deps = waiting_run()
    humans.control(deps, "t1", "r1", "pause")
    for decision in ("approve", "reject"):
        with pytest.raises(Conflict, match="paused"):
            humans.respond_by_link(deps, link(deps, decision))
    humans.control(deps, "t1", "r1", "resume")
    assert humans.respond_by_link(deps, link(deps, "approve")).status == RunStatus.RUNNING
    for decision in ("approve", "reject"):  # now it is spent, and so is its pair
        with pytest.raises(Conflict, match="already used"):
            humans.respond_by_link(deps, link(deps, decision))
    assert [(r.decision, r.via) for r in responses(deps)] == [("approve", "link")]


def test_a_link_refused_because_the_run_changed_meanwhile_works_when_tried_again() -> None:
    deps = waiting_run()
    store = store_of(deps)

    def pause_and_resume() -> RunState | None:
        return store.append("t1", "r1", state(deps), [RunPaused(seq=3, at=T0), RunResumed(seq=4, at=T0)])

    meanwhile(deps, pause_and_resume)
    with pytest.raises(Conflict, match="try again"):
        humans.respond_by_link(deps, link(deps, "approve"))
    assert responses(deps) == [] and state(deps).status == RunStatus.WAITING_FOR_HUMAN
    assert humans.respond_by_link(deps, link(deps, "approve")).status == RunStatus.RUNNING
    assert [r.decision for r in responses(deps)] == ["approve"]


def both_at_once(deps: Deps, first: Callable[[], RunState], second: Callable[[], RunState]) -> list[object]:
    """``second`` runs entirely while ``first`` is between reading the run and writing its decision."""
    outcome = meanwhile(deps, second)
    try:
        outcome.append(first())
    except Conflict as exc:
        outcome.append(exc)
    return outcome


def test_the_same_link_used_twice_at_once_decides_once() -> None:
    deps = waiting_run()
    approve = link(deps, "approve")
    outcome = both_at_once(
        deps, lambda: humans.respond_by_link(deps, approve), lambda: humans.respond_by_link(deps, approve)
    )
    assert sum(isinstance(o, RunState) for o in outcome) == 1
    assert [str(o) for o in outcome if isinstance(o, Conflict)] == [
        "this link was already used, or the run no longer waits for it"
    ]
    assert [r.decision for r in responses(deps)] == ["approve"]


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_approve_and_reject_links_at_once_decide_once(first: str) -> None:
    deps = waiting_run(on_reject="replan")
    second = "reject" if first == "approve" else "approve"
    outcome = both_at_once(
        deps,
        lambda: humans.respond_by_link(deps, link(deps, first)),
        lambda: humans.respond_by_link(deps, link(deps, second)),
    )
    assert sum(isinstance(o, RunState) for o in outcome) == 1
    decided = [r.decision for r in responses(deps)]
    assert len(decided) == 1
    assert len(replans(deps)) == (decided == ["reject"])  # a losing rejection plans nothing


def test_a_rejection_that_loses_to_an_approval_plans_no_new_run() -> None:
    deps = waiting_run(on_reject="replan")
    meanwhile(deps, lambda: humans.respond_by_link(deps, link(deps, "approve")))
    with pytest.raises(Conflict):
        humans.respond(deps, "t1", "r1", "reject", text="no")
    assert [r.decision for r in responses(deps)] == ["approve"]
    assert replans(deps) == []


def test_a_recorded_rejection_plans_its_new_run_once() -> None:
    deps = waiting_run(on_reject="replan")
    ended = humans.respond_by_link(deps, link(deps, "reject"))
    assert ended.status == RunStatus.CANCELLED and ended.replanned_as == "r1-re2"
    assert replans(deps) == ["plan:t1:r1-re2"]


@pytest.mark.parametrize("text", ["", "  \n "])
def test_an_answer_without_text_is_refused_and_nothing_is_recorded(text: str) -> None:
    deps = waiting_run(purpose="question")
    with pytest.raises(InvalidInput) as refused:
        humans.respond(deps, "t1", "r1", "answer", text=text)
    assert refused.value.fields == ["text"]
    assert [e.seq for e in deps.store.list_events("t1", "r1")] == [1, 2]
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN
    assert humans.respond(deps, "t1", "r1", "answer", text="Blue").outputs == {"1": {"answer": "Blue"}}


class FailingOnce(FakeQueue):
    """A queue that is down for the first task sent to ``queue``."""

    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.down_for: Queue | None = queue

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        if queue == self.down_for:
            self.down_for = None
            raise TransientError("cloud tasks: unavailable")
        return super().enqueue(queue, body, task_id, delay_s)


@pytest.mark.parametrize("retry", ["link", "session"])
def test_a_rejection_recorded_before_its_replan_could_be_sent_sends_it_when_tried_again(retry: str) -> None:
    queue = FailingOnce(Queue.PLAN)
    deps = waiting_run(on_reject="replan")._replace(queue=queue)
    with pytest.raises(TransientError):  # the rejection is written, then the queue is down
        humans.respond(deps, "t1", "r1", "reject", text="too long", via="link", request_id="req-1")
    assert state(deps).status == RunStatus.CANCELLED and replans(deps) == []
    with pytest.raises(Conflict):  # the person tries again: told it is decided, and the replan goes
        if retry == "link":
            humans.respond_by_link(deps, link(deps, "reject"))
        else:
            humans.respond(deps, "t1", "r1", "reject")
    [(_, task, name, _)] = [t for t in queue.tasks if t[0] == Queue.PLAN]
    assert name == "plan:t1:r1-re2" and isinstance(task, PlanTask) and "too long" in task.goal
    with pytest.raises(Conflict):
        humans.respond_by_link(deps, link(deps, "reject"))
    assert replans(deps) == ["plan:t1:r1-re2"]
