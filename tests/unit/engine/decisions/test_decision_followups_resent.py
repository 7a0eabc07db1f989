"""A decision or resume recorded while the queue was down: trying it again sends its follow-up
(``shared/engine/services/humans.py``; docs/engine.md, Humans), and a different decision sends nothing.

Before, only an ended run had its follow-ups sent again: an approved, answered or resumed run is
running, so the retry was a 409 and the run sat until the sweeper found it.
"""

import json
from typing import Any, Literal

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import Conflict, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.link_tokens import decision_token
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeModel, FakeQueue


class DownOnce(FakeQueue):
    """Cloud Tasks unavailable for the next step task (``down``), then back."""

    down = False

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        if self.down and queue == Queue.EXECUTE_STEP:
            self.down = False
            raise TransientError("cloud tasks: ServiceUnavailable")
        return super().enqueue(queue, body, task_id, delay_s)


def started(*steps: tuple[str, dict[str, Any]]) -> tuple[Deps, DownOnce]:
    plan = {"goal": "g", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    queue = DownOnce()
    deps = make_deps(model=FakeModel({"PlanOut": [plan]}))._replace(queue=queue)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do it", trigger=Trigger(kind="api")), deps)
    return deps, queue


def waiting(*steps: tuple[str, dict[str, Any]]) -> tuple[Deps, DownOnce, str]:
    """A run carried to its first request: (deps, queue, request id)."""
    deps, queue = started(*steps)
    [(_, task, _, _)] = queue.tasks
    assert isinstance(task, StepTask)
    run_step(task, deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.waiting is not None
    queue.tasks.clear()
    return deps, queue, run.state.waiting.request_id


def step_names(queue: FakeQueue) -> list[str]:
    return [name for q, _, name, _ in queue.tasks if q == Queue.EXECUTE_STEP]


def link(deps: Deps, request_id: str, decision: str) -> str:
    return decision_token(deps, "t1", "r1", request_id, decision, epoch="epoch-t1")


Route = Literal["approve by session", "approve by link", "answer by session"]


def decide(deps: Deps, route: Route, request_id: str, decision: humans.Decision) -> None:
    if route == "approve by link":
        humans.respond_by_link(deps, link(deps, request_id, decision))
    elif decision == "reject":
        humans.respond(deps, "t1", "r1", "reject", request_id=request_id)
    else:
        humans.respond(deps, "t1", "r1", decision, text="Blue", request_id=request_id)


@pytest.mark.parametrize("route", ["approve by session", "approve by link", "answer by session"])
def test_a_decision_recorded_while_the_queue_was_down_sends_its_step_when_tried_again(route: Route) -> None:
    ask = ("ask_question", {"question": "Which colour?"}) if route.startswith("answer") else None
    deps, queue, request_id = waiting(
        ask or ("request_approval", {"summary": "ok?"}), ("finish", {"summary": "x"})
    )
    decision: humans.Decision = "answer" if route.startswith("answer") else "approve"
    queue.down = True
    with pytest.raises(TransientError):  # recorded, then the queue is down
        decide(deps, route, request_id, decision)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status.value == "running" and step_names(queue) == []
    with pytest.raises(Conflict):  # a different decision is refused and sends nothing
        decide(deps, route, request_id, "reject")
    assert step_names(queue) == []
    for _ in range(2):
        with pytest.raises(Conflict):  # the same one: still a 409, and the step goes (once, by name)
            decide(deps, route, request_id, decision)
    assert step_names(queue) == [f"step:t1:r1:2:{run.state.last_seq}"]


def test_a_resume_recorded_while_the_queue_was_down_sends_its_step_when_tried_again() -> None:
    deps, queue = started(("draft_text", {"instructions": "x"}), ("finish", {"summary": "x"}))
    queue.tasks.clear()
    with pytest.raises(Conflict):  # never paused: nothing to resend
        humans.control(deps, "t1", "r1", "resume")
    assert step_names(queue) == []
    humans.control(deps, "t1", "r1", "pause")
    queue.down = True
    with pytest.raises(TransientError):
        humans.control(deps, "t1", "r1", "resume")
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status.value == "running" and step_names(queue) == []
    with pytest.raises(Conflict, match="not paused"):
        humans.control(deps, "t1", "r1", "resume")
    assert step_names(queue) == [f"step:t1:r1:1:{run.state.last_seq}"]
    [(_, task, _, _)] = queue.tasks
    assert isinstance(task, StepTask) and run_step(task, deps).acted
